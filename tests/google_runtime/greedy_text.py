"""Greedy plain continuations of one prompt from Google's LiteRT-LM runtime and from ours, for the
tests in this folder (they run with this folder on sys.path)."""
import json
import subprocess


def google_text(path, prompt, steps, threads=1):
    """Google's engine (litert_lm, CPU, top_k 1, temperature 0, no prompt template) on `path`."""
    import litert_lm
    engine = litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=threads), cache_dir=":nocache")
    session = engine.create_session(apply_prompt_template=False,
                                    sampler_config=litert_lm.SamplerConfig(top_k=1, temperature=0.0),
                                    max_output_tokens=steps)
    session.run_prefill([prompt])
    return session.run_decode().texts[0]


def our_text(cli, path, prompt, steps, int8_activations="google"):
    """`litert-lm-cli run --no-chat-template --temperature 0 -n STEPS --json` on `path`: its text,
    after checking that exactly `steps` tokens were generated. `int8_activations` "google" rounds
    int8 projections' activations to 8 bits per row as Google's runtime does (the same tokens even
    on near-ties of tiny random models); "exact" is our default (16 bits)."""
    out = subprocess.run([cli, "run", path, "--no-chat-template", "--prompt", prompt, "-n", str(steps),
                          "--temperature", "0", "--json", "--int8-activations", int8_activations],
                         capture_output=True, text=True, check=True)
    answer = json.loads(out.stdout)
    assert answer["generated_tokens"] == steps, answer
    return answer["text"]
