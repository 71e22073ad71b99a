"""`python -m local.writebacks`: what operations do with the write-backs to the channels.

  failed                          the write-backs given up (refused, or failing through every
                                  retry), newest first, with the reason and attempts
  redrive WRITEBACK_ID --operator NAME [--reason TEXT]
                                  queue a failed one again after fixing the cause
  listing SKU CHANNEL SHOP key=value...
                                  record which platform item the SKU is sold as (stock push):
                                  shopify inventory_item_id= location_id=, tmall num_iid= [sku_id=],
                                  jd sku_id=, douyin product_id= sku_id=

Locally it finds the running runtime through its data folder (runtime.json, written by `make
serve`). Against AWS give the stack's names: --channel-sync-table, --orders-table and --queue-url KEY=URL per write-back queue
(credentials and region from the usual AWS environment)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from local.persistence import RUNTIME_FILE, data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("failed", "redrive", "listing"))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--operator", default=os.environ.get("USER", "operator"))
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--reason", default="", help="redrive: what was fixed (written on the order's timeline note)")
    parser.add_argument("--data-dir", help="the local runtime's data folder (default: $OMS_DATA_DIR or .oms-data)")
    for name in ("channel-sync-table", "orders-table"):
        parser.add_argument(f"--{name}", help="AWS: the stack's resource")
    parser.add_argument("--queue-url", action="append", default=[], help="AWS: KEY=URL, once per write-back queue (channel_writeback, writeback_<platform>)")
    args = parser.parse_args(argv)
    problem = _configure(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    from shared.aws.stores import order_store
    from shared.writeback.aws import queues
    from shared.writeback.aws.stores import channel_sync_store
    from shared.writeback.usecases.operations import failed_writebacks, put_listing, redrive_writeback

    if args.command == "failed":
        print(json.dumps([r.model_dump(mode="json") for r in failed_writebacks(channel_sync_store(), args.limit)], indent=2, ensure_ascii=False))
        return 0
    if args.command == "redrive":
        if len(args.args) != 1:
            parser.error("redrive takes one WRITEBACK_ID")
        record, redriven = redrive_writeback(args.args[0], args.operator, channel_sync_store(), order_store(), queues.send, args.reason)
        if record is None:
            print(f"no write-back {args.args[0]}", file=sys.stderr)
            return 1
        print(json.dumps({"redriven": redriven, **record.model_dump(mode="json", include={"writeback_id", "state", "attempts", "last_error"})}, indent=2, ensure_ascii=False))
        return 0 if redriven else 1
    if len(args.args) < 4 or not all("=" in pair for pair in args.args[3:]):
        parser.error("listing takes SKU CHANNEL SHOP and key=value ids")
    sku, channel, shop = args.args[:3]
    try:
        put_listing(sku, channel, shop, dict(pair.split("=", 1) for pair in args.args[3:]), channel_sync_store())
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"{sku} is listed on {channel} shop {shop}")
    return 0


def _configure(args: argparse.Namespace) -> str | None:
    """Points the stores at the running local runtime, or at the given AWS resources."""
    from infra import topology
    from shared.writeback.channels import queue_keys

    env_of = {key: topology.env_var_of(key) for key in queue_keys()}
    if args.channel_sync_table and args.orders_table and args.queue_url:
        given = dict(pair.split("=", 1) for pair in args.queue_url if "=" in pair)
        if set(given) != set(env_of):
            return f"--queue-url takes KEY=URL for each write-back queue: {', '.join(env_of)}"
        os.environ.update({"CHANNEL_SYNC_TABLE": args.channel_sync_table, "ORDERS_TABLE": args.orders_table, **{env_of[k]: url for k, url in given.items()}})
        return None
    if "CHANNEL_SYNC_TABLE" in os.environ and all(env in os.environ for env in env_of.values()):
        return None  # already configured (the tests, or an operator's shell)
    runtime_file = data_dir(args.data_dir) / RUNTIME_FILE
    if not runtime_file.exists():
        return f"no running local runtime found ({runtime_file} is missing): start it with `make serve`, or give the AWS names"
    running = json.loads(runtime_file.read_text("utf-8"))
    queue_url = running["queues"]["channel_writeback"]
    prefix = queue_url.rsplit("/", 1)[-1].removesuffix("-channel_writeback")
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": running["moto_endpoint"], "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "CHANNEL_SYNC_TABLE": f"{prefix}-channel_sync", "ORDERS_TABLE": f"{prefix}-orders", **{env: running["queues"][key] for key, env in env_of.items()},
        }
    )
    return None


if __name__ == "__main__":
    sys.exit(main())
