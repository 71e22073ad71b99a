"""Uploads the built console (console/web/dist) to a deployed stack's console bucket, with the
console-config.json that tells the page to sign in with the stack's Cognito user pool, and
invalidates CloudFront. Run after `make deploy`: make deploy-console ENV=dev."""

from __future__ import annotations

import argparse
import json
import mimetypes
import time

import boto3

from local.runtime import CONSOLE_DIST


def outputs(stack_name: str) -> dict[str, str]:
    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def find(values: dict[str, str], suffix: str) -> str:
    return next(v for k, v in values.items() if suffix in k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="dev")
    args = parser.parse_args()
    values = outputs(f"oms-{args.env}")
    bucket, distribution = find(values, "ConsoleBucketName"), find(values, "ConsoleDistributionId")
    config = {"auth": "cognito", "domain": find(values, "ConsoleCognitoDomain"), "clientId": find(values, "ConsoleUserPoolClientId")}
    s3 = boto3.client("s3")
    for path in sorted(CONSOLE_DIST.rglob("*")):
        if path.is_file():
            key = path.relative_to(CONSOLE_DIST).as_posix()
            cache = "no-cache" if key == "index.html" else "max-age=31536000, immutable"
            s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": mimetypes.guess_type(key)[0] or "application/octet-stream", "CacheControl": cache})
    s3.put_object(Bucket=bucket, Key="console-config.json", Body=json.dumps(config).encode(), ContentType="application/json", CacheControl="no-cache")
    boto3.client("cloudfront").create_invalidation(
        DistributionId=distribution, InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/index.html", "/console-config.json"]}, "CallerReference": str(time.time())}
    )
    print(f"console uploaded to s3://{bucket}; open {find(values, 'ConsoleUrl')}")


if __name__ == "__main__":
    main()
