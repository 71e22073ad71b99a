"""How large a request oms reads. One place, because three read it: the handlers (413 naming the
limit), infra/topology.py (each route's limit) and, from it, the API's WAF rule at the edge."""

from __future__ import annotations

KIB = 1024

# An order with 500 lines is ~80 KB of canonical JSON; a platform's payload for the same order is
# larger (Shopify repeats every amount per currency). A promotion must not accept more.
MAX_BODY_BYTES = 256 * KIB
# An ERP CSV posted to the API: ~1,000 rows, what one request can import within API Gateway's
# 29-second integration timeout. Larger files go through the S3 bucket.
MAX_IMPORT_BODY_BYTES = 256 * KIB
# A CSV dropped in the import bucket is read by a queue consumer with minutes to work.
MAX_IMPORT_FILE_BYTES = 5 * KIB * KIB
MAX_IMPORT_ROWS_PER_REQUEST = 1_000
MAX_IMPORT_ROWS_PER_FILE = 20_000  # ~15 ms a row on AWS: a few minutes of the consumer's 15
