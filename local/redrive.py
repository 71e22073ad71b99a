"""`python -m local.redrive QUEUE`: move the messages of QUEUE's dead-letter queue back to QUEUE
after a fix, and print the counts (shared/aws/dead_letter_redrive.py). QUEUE is a queue key of
infra/topology.py (intake, parcel_updates, stock_sync, partner_orders, erp_import_files).

Locally it finds the running runtime through its data folder (runtime.json, written by
`make serve`). Against AWS give both URLs: `--dead-letter-url ... --queue-url ...` (credentials
and region from the usual AWS environment)."""

from __future__ import annotations

import argparse
import json
import sys

import boto3

from infra import topology
from local.persistence import RUNTIME_FILE, data_dir
from shared.aws.dead_letter_redrive import redrive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("queue", nargs="?", choices=[q.key for q in topology.QUEUES if q.consumer], help="the source queue's key")
    parser.add_argument("--data-dir", help="the local runtime's data folder (default: $OMS_DATA_DIR or .oms-data)")
    parser.add_argument("--dead-letter-url", help="AWS: the dead-letter queue's URL")
    parser.add_argument("--queue-url", help="AWS: the source queue's URL")
    parser.add_argument("--max", type=int, default=None, help="move at most this many messages")
    args = parser.parse_args(argv)
    if args.dead_letter_url and args.queue_url:
        sqs, dead_letter_url, queue_url = boto3.client("sqs"), args.dead_letter_url, args.queue_url
    elif args.queue:
        runtime_file = data_dir(args.data_dir) / RUNTIME_FILE
        if not runtime_file.exists():
            print(f"no running local runtime found ({runtime_file} is missing): start it with `make serve`", file=sys.stderr)
            return 2
        running = json.loads(runtime_file.read_text("utf-8"))
        sqs = boto3.client("sqs", endpoint_url=running["moto_endpoint"], region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
        dead_letter_url, queue_url = running["dead_letter_queues"][args.queue], running["queues"][args.queue]
    else:
        parser.error("give a queue key (local runtime) or both --dead-letter-url and --queue-url (AWS)")
    report = redrive(sqs, dead_letter_url, queue_url, args.max)
    print(json.dumps(report.model_dump(), indent=2))
    return 0 if not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
