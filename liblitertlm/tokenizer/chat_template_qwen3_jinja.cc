// The Jinja text liblitertlm's converter stores as a Qwen3 file's chat template
// (LlmMetadata.jinja_prompt_template), for runtimes that interpret Jinja (Google's LiteRT-LM).
//
// Why not the checkpoint's own template: LiteRT-LM (litert_lm 0.18.1) hands every message content
// over as a list of parts ([{"type": "text", "text": ...}]), which Hugging Face's Qwen3 template
// concatenates as a string and fails on; and its conversations render the history before and
// after each new message and require the first text to be a prefix of the second, which the
// Hugging Face template breaks by rendering the last assistant turn with a <think> block and the
// same turn without it once a user turn follows.
//
// This text renders assistant turns as their answer wherever they stand (the text after the last
// </think>, without leading newlines; no reasoning), which is what the Hugging Face template does
// to every assistant turn before the last user turn. So, for a conversation that ends with a user
// turn, it renders exactly what the Hugging Face template renders, except after a user turn that
// is a tool result (<tool_response>...</tool_response>), where Hugging Face keeps the reasoning
// of the assistant turns since the last real user turn. tests/google_runtime checks this in
// LiteRT-LM against the transformers references of tests/golden/chat/. Our engine renders files
// carrying this text by the same rule (chat_template_qwen3.cc, Qwen3History::kAnswersOnly).
#include <string_view>

#include "tokenizer/chat_template.h"

namespace litertlm {

std::string_view Qwen3AnswersOnlyJinjaTemplate() {
  return R"jinja({#- Qwen3 chat format, written by liblitertlm. Renders what the Qwen3 chat_template of Hugging
    Face renders for a conversation that ends with a user turn, but each assistant turn as its
    answer alone wherever it stands (so the prompt only grows from one turn to the next), and
    takes a content given as a list of {"type": "text", "text": ...} parts as well as a string. -#}
{%- macro content_text(content) -%}
    {%- if content is string -%}
        {{- content -}}
    {%- elif content is sequence -%}
        {%- for part in content -%}
            {%- if part.type == 'text' -%}
                {{- part.text -}}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro -%}
{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- content_text(messages[0].content) + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + content_text(messages[0].content) + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- set content = content_text(message.content) %}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>\n' }}
    {%- elif message.role == 'assistant' %}
        {%- if '</think>' in content %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {{- '<|im_start|>assistant\n' + content }}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' + tool_call.name + '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == 'tool' %}
        {%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' + content + '\n</tool_response>' }}
        {%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %})jinja";
}

}  // namespace litertlm
