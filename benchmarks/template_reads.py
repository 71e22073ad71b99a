"""What one read of the synthesized template costs the infra tests: through the assertions
Template (`Template.to_json()`, a copy out of jsii's node process) against the plain dict the
Template was built from (what tests/infra/conftest.py's `Synthesized.json` returns, decision 209).

    python -m benchmarks.template_reads [--env dev] [--reads 5]

Both ways in one process after one synth, so load affects both alike; also checks they are equal."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--reads", type=int, default=5)
    args = parser.parse_args()
    from aws_cdk.assertions import Template

    from infra.app import build_app
    from tests.infra.nested_templates import flattened

    outdir = Path(tempfile.mkdtemp(prefix="template-reads-"))
    started = time.perf_counter()
    app, stack = build_app(args.env, outdir=str(outdir), nag=False)
    app.synth()
    merged = flattened(outdir, stack.stack_name)
    template = Template.from_json(merged)
    print(f"{args.env}: build, synth and flatten {time.perf_counter() - started:.1f} s, {len(merged['Resources'])} resources")
    for label, read in (("Template.to_json()", template.to_json), ("plain dict", lambda: merged)):
        started = time.perf_counter()
        for _ in range(args.reads):
            functions = {lid: r for lid, r in read()["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
        print(f"{label}: {(time.perf_counter() - started) / args.reads * 1000:.1f} ms per of_type read ({len(functions)} functions)")
    print("equal:", template.to_json() == merged)


if __name__ == "__main__":
    main()
