"""The wiring of oms, declared once.

Both the CDK app (infra/) and the embedded local runtime (local/) read this module: which
functions exist and which handler each runs, which resources each may touch (and so its
environment variables and IAM grants), which API routes, queues, rules and tables there are,
and which placeholders the workflow's ASL expects. Nothing here imports CDK or boto3.
tests/infra/test_topology_agrees_with_template.py proves the synthesized template matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from shared.operations.access import CONSOLE_PREFIX
from shared.request_limits import MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES

ROOT = Path(__file__).resolve().parent.parent


class Access(str, Enum):
    READ = "read"  # tables: get/query; buckets: get objects; secrets: get the value
    WRITE = "write"  # read and write
    SEND = "send"  # sqs:SendMessage
    PUBLISH = "publish"  # events:PutEvents
    START = "start"  # states:StartExecution


@dataclass(frozen=True)
class Uses:
    resource: str  # key of a table, queue, bus or workflow
    access: Access


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str
    # Attributes copied into the index besides the keys: None copies the whole item (ALL),
    # () only the keys (KEYS_ONLY). Small projections keep index writes cheap on busy items.
    projection: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    key: str
    env_var: str
    partition_key: str = "pk"
    sort_key: str = "sk"
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: str | None = None  # a DynamoDB stream's view type (e.g. NEW_AND_OLD_IMAGES), or none


@dataclass(frozen=True)
class StreamConsumer:
    """A function fed by a table's change stream: batches in order per item, a failed batch
    retried from its first failed record (ReportBatchItemFailures) `retry_attempts` times (and,
    when `max_record_age_seconds` is set, while its first record is younger than that), then its
    coordinates sent to `failure_queue` (the stream's dead-letter queue). A DynamoDB stream serves
    at most two readers per shard at once: a table has at most two consumers."""

    key: str
    table: str
    function: str
    failure_queue: str
    sort_key_equals: str | None = None  # an event filter: only items with this sort key
    partition_key_prefix: str | None = None  # and (an event filter) only items whose partition key begins so
    status_became: str | None = None  # and (an event filter) only changes to this `status` from another
    batch_size: int = 100
    max_batching_window_seconds: int = 1
    retry_attempts: int = 10
    max_record_age_seconds: int | None = None  # MaximumRecordAgeInSeconds; None: the stream's retention
    tumbling_window_seconds: int | None = None  # TumblingWindowInSeconds (1-900); None: no window
    lag_means: str = "the console's figures are late"  # what its stream-lag alarm tells the operator


@dataclass(frozen=True)
class Queue:
    key: str
    env_var: str
    purpose: str
    consumer: str | None = None  # function key; None when an outside system pulls from it
    batch_size: int = 10
    max_batching_window_seconds: int = 0
    max_receive_count: int = 5  # deliveries before the message moves to the dead-letter queue
    visibility_timeout_seconds: int = 60  # at least 6 × the consumer's timeout + the batching window
    # The event source mapping's maximum concurrency: a flood on this queue takes at most this
    # many concurrent consumers, leaving the account's Lambda concurrency to the workflow's steps
    # and the APIs (docs/decisions.md 56). None: no cap.
    max_concurrency: int | None = None
    # FIFO: a producer's MessageDeduplicationId drops repeats for five minutes (the outbox's
    # idempotency key); its DLQ is FIFO too.
    fifo: bool = False

    @property
    def dead_letter_env_var(self) -> str:
        """Where the consumer finds the DLQ it sends poison messages to, with their reason."""
        return self.env_var.removesuffix("_QUEUE_URL") + "_DEAD_LETTER_QUEUE_URL"


@dataclass(frozen=True)
class Bus:
    key: str
    env_var: str
    source: str  # the "source" of every domain event oms publishes


@dataclass(frozen=True)
class PartnerBus:
    """The event bus of a SaaS partner's event source (EventBridge partner integration). The
    source's name (aws.partner/<partner>/<account or app id>/<name>) differs per environment and
    comes from cdk.json; the partner creates the source, the stack associates the bus with it."""

    key: str
    partner: str  # e.g. "shopify.com"
    description: str


@dataclass(frozen=True)
class Bucket:
    key: str
    env_var: str
    purpose: str
    notify_queue: str | None = None  # queue told of each new object under notify_prefix
    notify_prefix: str = ""
    notify_suffix: str = ""
    expire_objects: bool = True  # False: objects stay until replaced (the console's files)


@dataclass(frozen=True)
class Secret:
    """A Secrets Manager secret the stack creates empty; operators put the value (runbook)."""

    key: str
    env_var: str
    description: str


@dataclass(frozen=True)
class Rule:
    key: str
    description: str
    bus: str
    pattern: dict
    target_queue: str


@dataclass(frozen=True)
class Schedule:
    """A function run on a timer (an EventBridge schedule on AWS, a timer thread locally)."""

    key: str
    description: str
    function: str
    every_minutes: int  # the rate; locally always the rate (scaled by the runtime's time scale)
    cron: str | None = None  # on AWS, a cron expression instead of the rate (e.g. "30 1 * * ? *")
    payload: dict | None = None  # the function's input instead of the Scheduled Event envelope


@dataclass(frozen=True)
class Function:
    key: str
    module: str  # the handler's module from the repo root; its function `handler` is the entry point
    description: str
    uses: tuple[Uses, ...] = ()
    memory_mb: int = 256
    timeout_seconds: int = 10
    settings: tuple[tuple[str, str], ...] = ()  # environment variables of the function's own settings

    @property
    def directory(self) -> Path:
        return ROOT / Path(*self.module.split(".")[:-1])


@dataclass(frozen=True)
class ApiClient:
    """Who calls the API for one channel: its usage plan throttles it (a promotion on one channel
    must not starve the others), with an API key when it can send one."""

    key: str
    description: str
    # Shopify's webhooks carry no custom header, so no API key: its routes are throttled per
    # method in the stage, and authenticated by their HMAC signature.
    sends_api_key: bool
    rate_share: float  # of the stage's throttle (cdk.json, per environment)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, e.g. /orders/{order_id}
    function: str
    # Who may call it: "NONE" (public; the handler authenticates), "IAM" (SigV4-signed
    # callers, e.g. operations tools; the local runtime ignores it) or "COGNITO" (console users'
    # tokens; the local runtime accepts its development sign-in, local/console_auth.py).
    authorization: str = "NONE"
    client: str | None = None  # the ApiClient whose key and throttle apply
    max_body_bytes: int | None = None  # the handler refuses more (413); the WAF enforces it at the edge


@dataclass(frozen=True)
class Workflow:
    key: str
    env_var: str
    definition: Path
    express: bool
    # ASL placeholder name -> function key whose ARN replaces it
    function_placeholders: dict[str, str] = field(default_factory=dict)


# What review needs of another recent order (shared/recent_orders.py); the index keys come anyway.
# Not the status: projecting it rewrote both indexes on every status change; review reads the
# status of the few other orders it finds (shared/aws/order_history.py).
_RECENT_ORDER_ATTRIBUTES = ("order_id", "buyer_key", "address_key", "lines_key", "receiver_key")

ORDERS = Table(
    key="orders",
    env_var="ORDERS_TABLE",
    indexes=(
        # Keys only: an order's status change rewrites an index entry only where its key changes
        # (by_status), and listings read the orders by key (shared/aws/order_listing.py).
        # by_channel's key is write-sharded: "<channel>#<shard>".
        Index("by_channel", "channel_key", "created_at", projection=()),
        Index("by_status", "status_key", "updated_at", projection=()),
        # Retired (decision 92): nothing writes customer_key or day_key any more (a customer's orders
        # come from by_buyer, the last stored ones from by_channel); removed by the next deploy.
        Index("by_customer", "customer_key", "created_at", projection=()),
        # Review's windowed checks: the same buyer's / the same address's orders around a time.
        Index("by_buyer", "buyer_key", "placed_key", projection=_RECENT_ORDER_ATTRIBUTES),
        Index("by_address", "address_key", "placed_key", projection=_RECENT_ORDER_ATTRIBUTES),
        # The last N stored orders (what-if replay): day and shard, newest first.
        Index("by_day", "day_key", "created_at", projection=()),
        # Sparse: outbox items not yet published (shared/outbox/), oldest first.
        Index("by_outbox", "outbox_key", "created_at"),
        # Sparse: orders in a workflow status (RECEIVED..RESERVED), write-sharded "FLOW#<shard>";
        # entered and left once per pass, where by_status moved on each transition (decision 92).
        Index("by_flow", "flow_key", "created_at", projection=()),
    ),
    # Every change of an order feeds the operations aggregates (shared/operations/).
    stream="NEW_AND_OLD_IMAGES",
)
INVENTORY = Table(
    key="inventory",
    env_var="INVENTORY_TABLE",
    indexes=(Index("by_expiry", "expiry_shard", "hold_expires_at"),),  # sparse: HELD reservations only
    ttl_attribute="expires_at_epoch",  # removes released/committed reservation records after 30 days
)
# Review rule sets (versions, the active pointer, the audit trail) and review reference data
# (price list, credit accounts, buyer profiles, blacklists, remote areas).
REVIEW = Table(key="review", env_var="REVIEW_TABLE")
CATALOG = Table(key="catalog", env_var="CATALOG_TABLE")  # oms's SKUs and the channel SKU mapping
# Reconciliation runs and their differences, the shops' cursors and leases (shared/reconciliation/store.py).
RECONCILIATION = Table(
    key="reconciliation",
    env_var="RECONCILIATION_TABLE",
    indexes=(
        Index("by_started", "runs_key", "started_at"),  # the runs, newest first
        Index("by_open", "open_key", "found_at", projection=()),  # sparse: differences waiting for a person
    ),
    ttl_attribute="expires_at_epoch",  # reports after 90 days; never a difference waiting for a person
)
# The operations aggregates: counters, open-order gauges, health history (shared/operations/store.py).
OPERATIONS = Table(key="operations", env_var="OPERATIONS_TABLE", ttl_attribute="expires_at_epoch")
# Write-backs to the channels, the channels' listings of each SKU, stock-change marks and the
# quantities last pushed (shared/writeback/aws/store.py).
CHANNEL_SYNC = Table(
    key="channel_sync",
    env_var="CHANNEL_SYNC_TABLE",
    indexes=(Index("by_failed", "failed_key", "updated_at"),),  # sparse: write-backs waiting for a person
)
TABLES = (ORDERS, INVENTORY, REVIEW, CATALOG, RECONCILIATION, OPERATIONS, CHANNEL_SYNC)

BUS = Bus(key="events", env_var="EVENT_BUS_NAME", source="oms.orders")
BUSES = (BUS,)
SHOPIFY_PARTNER = PartnerBus(
    key="shopify_partner",
    partner="shopify.com",
    description="Shopify's EventBridge partner event source: webhooks of the shops that deliver through it",
)
PARTNER_BUSES = (SHOPIFY_PARTNER,)

QUEUES = (
    Queue(
        key="intake",
        env_var="INTAKE_QUEUE_URL",
        purpose="Accepted orders waiting for their fulfilment workflow (the promotion buffer)",
        consumer="workflow_starter",
        batch_size=10,
        # No batching window (decision 250): on an order's path a window is latency. At the peak a
        # batch of 10 is there in milliseconds anyway; at a quiet hour a 1 s window held each order
        # up to 1 s before its workflow started. (The local poller delivers at once, as with 0.)
        max_batching_window_seconds=0,
        visibility_timeout_seconds=6 * 10 + 10,  # 6 × the starter's 10 s, and 10 s to spare
        max_concurrency=100,  # 1,200 orders/s in batches of 10 need ~50
    ),
    Queue(
        key="parcel_updates",
        env_var="PARCEL_UPDATES_QUEUE_URL",
        purpose="Shipped / delivered / delivery-exception updates from warehouses and carriers",
        consumer="parcel_updates",
        max_concurrency=20,
    ),
    Queue(
        key="stock_sync",
        env_var="STOCK_SYNC_QUEUE_URL",
        purpose="Stock counts and movements from the WMS/ERP, applied to the inventory",
        consumer="stock_sync",
        batch_size=10,
        max_concurrency=10,  # a full WMS resync must not crowd out reservations
    ),
    Queue(
        key="partner_orders",
        env_var="PARTNER_ORDERS_QUEUE_URL",
        purpose="Order events from SaaS partners' event sources, waiting for partner intake",
        consumer="partner_intake",
        max_concurrency=50,
    ),
    Queue(
        key="erp_import_files",
        env_var="ERP_IMPORT_FILES_QUEUE_URL",
        purpose="CSV files dropped in the ERP import bucket (S3 event notifications)",
        consumer="erp_import",
        batch_size=1,  # a file is minutes of work
        max_receive_count=3,
        max_concurrency=2,  # the minimum AWS allows
        visibility_timeout_seconds=6 * 900,  # six times the consumer's timeout, as AWS advises
    ),
    Queue(
        key="reconciliation_runs",
        env_var="RECONCILIATION_RUNS_QUEUE_URL",
        purpose="Reconciliation runs to do (schedules, the API, runs continuing or waiting for their shop)",
        consumer="reconciler",
        batch_size=1,  # a run is minutes of paging
        max_receive_count=3,
        max_concurrency=5,  # one run per shop at a time anyway; platforms rate-limit each app
        visibility_timeout_seconds=6 * 300,  # six times the consumer's timeout, as AWS advises
    ),
    Queue(
        key="wms_shipped_lists",
        env_var="WMS_SHIPPED_LISTS_QUEUE_URL",
        purpose="WMS daily shipped lists dropped in the WMS reports bucket (S3 event notifications)",
        consumer="warehouse_reconciler",
        batch_size=1,
        max_receive_count=3,
        max_concurrency=2,  # the minimum AWS allows: a few files a day
        visibility_timeout_seconds=6 * 300,
    ),
    Queue(
        key="order_changes_failed",
        env_var="ORDER_CHANGES_FAILED_QUEUE_URL",
        purpose="Order-change stream batches the operations aggregator gave up on (shard, sequence numbers): replay them",
        consumer=None,
    ),
    Queue(
        key="order_releases_failed",
        env_var="ORDER_RELEASES_FAILED_QUEUE_URL",
        purpose="Release stream batches the release publisher gave up on after an hour (shard, sequence numbers): their notes may be unsent, check them (runbook)",
        consumer=None,
    ),
    Queue(
        key="wms_outbound",
        env_var="WMS_OUTBOUND_QUEUE_URL",
        purpose="Outbound notes (出库单) and their voiding for the warehouses, each once (FIFO, deduplicated on the note id by the outbox publisher); the WMS connector pulls from it",
        consumer=None,
        visibility_timeout_seconds=120,
        fifo=True,
    ),
)

# Write-back (发货回传) and stock push (库存同步) to the channels: one queue whose messages name
# their channel (shared/writeback/channels/: queue_key). A failing or throttling platform's calls
# wait out their backoff as delayed re-sends, out of the other channels' way; per-platform queues
# are a change of queue_key once the stack has room (docs/decisions.md 80).
QUEUES = QUEUES + (
    Queue(
        key="channel_writeback",
        env_var="CHANNEL_WRITEBACK_QUEUE_URL",
        purpose="Shipping write-backs and stock pushes to the channels, retried with backoff (delayed re-sends); given up ones in the DLQ with their reason",
        consumer="channel_writeback",
        batch_size=5,
        max_receive_count=3,  # the consumer retries itself; redelivery only after a crash
        max_concurrency=10,  # platforms rate-limit each app: a few calls at a time
        visibility_timeout_seconds=6 * 30,
    ),
)

RULES = (
    Rule(
        key="parcel_updates_to_orders",
        description="Deliver parcel updates that a WMS or carrier publishes to the parcel updates queue",
        bus="events",
        pattern={"source": [{"prefix": "wms."}, {"prefix": "carrier."}], "detail-type": ["ParcelShipped", "ParcelDelivered", "DeliveryException"]},
        target_queue="parcel_updates",
    ),
    Rule(
        key="stock_updates_to_sync",
        description="Deliver stock counts and movements that a WMS or ERP publishes to the stock sync queue",
        bus="events",
        pattern={"source": [{"prefix": "wms."}, {"prefix": "erp."}], "detail-type": ["StockSnapshot", "StockMovement"]},
        target_queue="stock_sync",
    ),
    Rule(
        key="partner_orders_to_intake",
        description="Deliver the Shopify partner source's order webhooks to partner intake",
        bus="shopify_partner",
        pattern={
            "detail-type": ["shopifyWebhook"],
            "detail": {"metadata": {"X-Shopify-Topic": ["orders/create", "orders/updated"]}},
        },
        target_queue="partner_orders",
    ),
)

BUCKETS = (
    Bucket(
        key="console_site",
        env_var="CONSOLE_SITE_BUCKET",
        purpose="The operations console's built files (console/web/dist), served through CloudFront",
        expire_objects=False,
    ),
    Bucket(
        key="erp_imports",
        env_var="ERP_IMPORTS_BUCKET",
        purpose="ERP order files: CSVs dropped under incoming/, their reports under reports/",
        notify_queue="erp_import_files",
        notify_prefix="incoming/",
        notify_suffix=".csv",
    ),
    Bucket(
        key="wms_reports",
        env_var="WMS_REPORTS_BUCKET",
        purpose="The WMS's daily shipped lists: shipped/<warehouse_id>/<YYYY-MM-DD>.csv, compared with oms's notes",
        notify_queue="wms_shipped_lists",
        notify_prefix="shipped/",
        notify_suffix=".csv",
    ),
)

SECRETS = (
    Secret(
        key="channel_secrets",
        env_var="CHANNEL_SECRETS_ARN",
        description='Webhook signing secrets per channel and shop: {"<channel>": {"<shop>": "<secret>"}}',
    ),
    Secret(
        key="platform_credentials",
        env_var="PLATFORM_CREDENTIALS_ARN",
        description='Platform API credentials per shop, for reconciliation: {"<channel>": {"<shop>": {"access_token", "app_key", "app_secret"}}}',
    ),
)

_ORDERS_RW = Uses("orders", Access.WRITE)
# ParcelShipped queues the package's write-back on the channel write-back queue (shared/writeback/).
_WRITEBACK_QUEUES = (Uses("channel_writeback", Access.SEND),)
# What every intake path needs: store the order, map its SKUs, queue it.
_INTAKE = (_ORDERS_RW, Uses("catalog", Access.READ), Uses("intake", Access.SEND))

FUNCTIONS = (
    Function(
        key="intake",
        module="functions.intake.handler",
        description="Validates a channel order, stores it once and queues it for fulfilment",
        uses=(*_INTAKE, Uses("channel_secrets", Access.READ)),
        memory_mb=512,  # sizing from measured durations: docs/decisions.md 56
    ),
    Function(
        key="erp_import",
        module="functions.erp_import.handler",
        description="Imports ERP order CSVs (API or import bucket) with a per-row report",
        uses=(*_INTAKE, Uses("erp_imports", Access.WRITE)),
        memory_mb=512,
        timeout_seconds=900,
    ),
    Function(
        key="partner_intake",
        module="functions.partner_intake.handler",
        description="Turns SaaS partners' order events into orders, exactly once",
        uses=_INTAKE,
    ),
    Function(
        key="orders_api",
        module="functions.orders_api.handler",
        description="Operations API: find orders, read one with its timeline, cancel, decide on held orders, retry failed ones",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("events", Access.PUBLISH), Uses("fulfilment", Access.START), Uses("wms_outbound", Access.SEND)),
    ),
    Function(
        key="workflow_starter",
        module="functions.workflow_starter.handler",
        description="Starts the fulfilment workflow for each queued order",
        uses=(Uses("orders", Access.READ), Uses("fulfilment", Access.START)),
        memory_mb=512,
    ),
    Function(
        key="review",
        module="functions.review.handler",
        description="Automatic order review (智能审单)",
        uses=(_ORDERS_RW, Uses("review", Access.READ), Uses("events", Access.PUBLISH)),
        memory_mb=1024,  # sized in SIZED_MEMORY_MB below (decisions 159, 244)
    ),
    Function(
        key="routing",
        module="functions.routing.handler",
        description="Chooses the warehouses that ship the order, or backorders it",
        # backorder_release: a backordered order restocked while it was routed wakes itself (shared/backorders/wake.py)
        uses=(_ORDERS_RW, Uses("inventory", Access.READ), Uses("events", Access.PUBLISH), Uses("backorder_release", Access.SEND)),
        memory_mb=1024,  # sized in SIZED_MEMORY_MB below (decisions 159, 244)
        settings=(("BACKORDER_MODE", "order"),),  # "lines": ship what exists, backorder the rest as a child order
    ),
    Function(
        key="inventory_lock",
        module="functions.inventory_lock.handler",
        description="Reserves the stock of a routing plan atomically",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("channel_sync", Access.WRITE)),
        memory_mb=512,
    ),
    Function(
        key="notification",
        module="functions.notification.handler",
        description="Creates the outbound note (出库单) with its outbox message, and publishes it",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH), Uses("wms_outbound", Access.SEND)),
        memory_mb=512,
    ),
    Function(
        key="release_publisher",
        module="functions.release_publisher.handler",
        description="Reads the orders stream: publishes what a release left pending of its outbound notes, each once, none past the WMS queue's deduplication window",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH), Uses("wms_outbound", Access.SEND), Uses("order_releases_failed", Access.SEND)),
        timeout_seconds=60,
    ),
    Function(
        key="outbox_publisher",
        module="functions.outbox_publisher.handler",
        description="Publishes outbox messages a crash left pending (a release's notes: release_publisher): each reaches the WMS queue once",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH), Uses("wms_outbound", Access.SEND)),
        timeout_seconds=60,
        settings=(("OUTBOX_GRACE_SECONDS", "30"),),  # leave the fast path this long before sweeping
    ),
    Function(
        key="rules_api",
        module="functions.rules_api.handler",
        description="Review rules API: validate, store, activate, audit, roll back and replay rule sets",
        uses=(Uses("review", Access.WRITE), Uses("orders", Access.READ)),
        timeout_seconds=30,  # a what-if replay reads and reviews up to a few thousand orders
        memory_mb=512,
    ),
    Function(
        key="reference_api",
        module="functions.reference_api.handler",
        description="Reference data API: price list, credit accounts, buyer profiles, blacklists, remote areas, FX rates and companies the review consults, audited",
        uses=(Uses("review", Access.WRITE),),
    ),
    Function(
        key="routing_api",
        module="functions.routing_api.handler",
        description="Routing what-if API: replay a candidate routing policy on the last N stored orders, priced in yuan",
        uses=(Uses("orders", Access.READ), Uses("inventory", Access.READ)),
        timeout_seconds=30,  # four exact routing decisions per replayed order
        memory_mb=1024,  # CPU scales with memory on Lambda: the replay is CPU-bound
    ),
    Function(
        key="order_exception",
        module="functions.order_exception.handler",
        description="Moves an order whose workflow failed into EXCEPTION, with the error, and gives back its held stock",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("events", Access.PUBLISH)),
    ),
    Function(
        key="reservation_sweeper",
        module="functions.reservation_sweeper.handler",
        description="Gives back reserved stock whose hold expired with no order owning it",
        uses=(Uses("orders", Access.READ), Uses("inventory", Access.WRITE)),
        timeout_seconds=60,
    ),
    Function(
        key="inventory_api",
        module="functions.inventory_api.handler",
        description="Inventory operations API: stock of a SKU, split into buckets before a flash sale, merge after",
        uses=(Uses("inventory", Access.WRITE),),
    ),
    Function(
        key="parcel_updates",
        module="functions.parcel_updates.handler",
        description="Applies shipped, delivered and delivery-exception updates from warehouses and carriers",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("channel_sync", Access.WRITE), *_WRITEBACK_QUEUES),
    ),
    Function(
        key="hold_escalator",
        module="functions.hold_escalator.handler",
        description="Escalates held orders nobody decided on in time",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH)),
        timeout_seconds=60,  # HOLD_ESCALATION_MINUTES: ON_HOLD's limit (function_settings)
    ),
    Function(
        key="stuck_orders",
        module="functions.stuck_orders.handler",
        description="Finds orders past their status's time limit, re-drives them or escalates",
        uses=(_ORDERS_RW, Uses("intake", Access.SEND), Uses("events", Access.PUBLISH), Uses("fulfilment", Access.START)),
        timeout_seconds=60,
    ),
    Function(
        key="operations_aggregator",
        module="functions.operations_aggregator.handler",
        description="Counts every order change into the operations aggregates (health index, KPIs), once",
        uses=(Uses("operations", Access.WRITE), Uses("order_changes_failed", Access.SEND)),
        # A shard's batches one at a time, a write per item moved (decision 239): sized to count a
        # full batch faster than a peak shard fills one (benchmarks/lambda_sizing.py, PACED). With
        # 1,000-record batches (decision 249) 512 MB counts one in about half the 3.3 s a peak shard
        # takes to fill it (1024 MB was for 100-record batches: 512 MB sat at 282-335 ms of 333).
        memory_mb=512,
        timeout_seconds=60,
    ),
    Function(
        key="operations_api",
        module="functions.operations_api.handler",
        description="Operations figures API: overview, KPIs, order search, a SKU's stock everywhere",
        uses=(Uses("operations", Access.READ), Uses("orders", Access.READ), Uses("inventory", Access.READ)),
        memory_mb=512,
    ),
    Function(
        key="operations_snapshot",
        module="functions.operations_snapshot.handler",
        description="Records the order health index each minute and publishes it to CloudWatch",
        uses=(Uses("operations", Access.WRITE),),
        timeout_seconds=60,
    ),
    Function(
        key="stock_sync",
        module="functions.stock_sync.handler",
        description="Applies WMS/ERP stock counts and movements without losing reservations",
        uses=(Uses("inventory", Access.WRITE), Uses("channel_sync", Access.WRITE), Uses("backorder_release", Access.SEND)),
    ),
    Function(
        key="reconciliation_api",
        module="functions.reconciliation_api.handler",
        description="Reconciliation API: run one now, list runs, read a run's report (JSON or CSV), resolve a difference",
        uses=(Uses("reconciliation", Access.WRITE), Uses("platform_credentials", Access.READ), Uses("reconciliation_runs", Access.SEND)),
    ),
    Function(
        key="reconciler",
        module="functions.reconciler.handler",
        description="Runs a channel reconciliation: pages the platform's orders, re-ingests the missed ones, reports differences",
        uses=(*_INTAKE, Uses("reconciliation", Access.WRITE), Uses("platform_credentials", Access.READ), Uses("reconciliation_runs", Access.SEND)),
        memory_mb=512,
        timeout_seconds=300,  # a run checkpoints each page and continues in a new message near the end
        settings=(
            ("SHOPIFY_ADMIN_URL", "https://{shop}/admin/api/2025-07"),
            ("TAOBAO_TOP_URL", "https://eco.taobao.com/router/rest"),
            ("JD_API_URL", "https://api.jd.com/routerjson"),
            ("DOUYIN_API_URL", "https://openapi-fxg.jinritemai.com"),
        ),
    ),
    Function(
        key="reconciliation_scheduler",
        module="functions.reconciliation_scheduler.handler",
        description="Asks for each shop's incremental or nightly reconciliation run; counts differences unresolved for a day",
        uses=(Uses("reconciliation", Access.READ), Uses("platform_credentials", Access.READ), Uses("reconciliation_runs", Access.SEND)),
        timeout_seconds=60,
    ),
    Function(
        key="warehouse_reconciler",
        module="functions.warehouse_reconciler.handler",
        description="Compares a WMS's daily shipped list with oms's outbound notes; applies shipments oms missed",
        # The events bus: an applied shipment is announced as the WMS's lost ParcelShipped (write-back, notice).
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("reconciliation", Access.WRITE), Uses("wms_reports", Access.READ), Uses("events", Access.PUBLISH)),
        memory_mb=512,
        timeout_seconds=300,
    ),
)

STREAM_CONSUMERS = (
    StreamConsumer(
        key="order_changes_to_aggregates",
        table="orders",
        function="operations_aggregator",
        failure_queue="order_changes_failed",
        sort_key_equals="META",  # the order items; timeline and note items are not counted
        partition_key_prefix="ORDER#",  # not the merge records (MERGE#<id>, also sk META): decision 172
        # Asked for the shard id its events then carry, not for window state: the aggregator
        # counts in a lane per shard (decision 239). One final invocation per shard per window.
        tumbling_window_seconds=900,
        # A write per item a batch moves (decision 239), whatever the batch's length: a batch of
        # 1,000 changes (~195 orders) moves about as many items as one of 100 (decision 249). A
        # peak shard (~300 changes a second) fills it in ~3.3 s; a quiet shard's changes are
        # gathered for 5 s at most (figures up to 5 s later). ~2.2 KB a change as Lambda hands it:
        # ~2.2 MB a batch, under the 6 MB an invocation takes (Lambda sends fewer records above it).
        batch_size=1000,
        max_batching_window_seconds=5,
    ),
    # The orders stream's second and last reader (two per shard at most). Decision 193: a release's
    # notes left pending by its writer are published from its META change to RELEASED. Retried as
    # long as a note may still be sent: the consumer parks a note whose first attempt is older than
    # the WMS queue's deduplication window (SAFE_RESEND_SECONDS), so a record keeps failing past
    # that only when even parking fails; an hour on, its coordinates go to the failure queue.
    StreamConsumer(
        key="order_releases_to_wms",
        table="orders",
        function="release_publisher",
        failure_queue="order_releases_failed",
        sort_key_equals="META",
        partition_key_prefix="ORDER#",
        status_became="RELEASED",
        batch_size=50,
        # The release's own publish has had its grace (release_stream.FAST_PATH_GRACE_SECONDS) by
        # the time a quiet stream's batch is handed over: no waiting in the function, fewer calls.
        max_batching_window_seconds=10,
        retry_attempts=10_000,  # the most AWS allows: the record's age bounds the retries
        max_record_age_seconds=3600,
        lag_means="notes a release left pending wait, and are parked UNCONFIRMED past 270 s (runbook)",
    ),
)

_PLATFORM_URLS = (
    ("SHOPIFY_ADMIN_URL", "https://{shop}/admin/api/2025-07"),
    ("TAOBAO_TOP_URL", "https://eco.taobao.com/router/rest"),
    ("JD_API_URL", "https://api.jd.com/routerjson"),
    ("DOUYIN_API_URL", "https://openapi-fxg.jinritemai.com"),
)
FUNCTIONS = FUNCTIONS + (
    Function(
        key="channel_writeback",
        module="functions.channel_writeback.handler",
        description="Tells each channel a package shipped (carrier, waybill) and its SKUs' sellable stock, in the platform's call shape, with retries",
        uses=(_ORDERS_RW, Uses("channel_sync", Access.WRITE), Uses("platform_credentials", Access.READ), Uses("events", Access.PUBLISH), *_WRITEBACK_QUEUES),
        timeout_seconds=30,  # three platform calls of at most 10 s each (Shopify's fulfillment)
        settings=(*_PLATFORM_URLS, ("WRITEBACK_BASE_BACKOFF_SECONDS", "2")),
    ),
    Function(
        key="channel_stock_push",
        module="functions.channel_stock_push.handler",
        description="Every minute: queues one stock push per channel for each SKU whose stock changed, the channel's buffer applied",
        uses=(Uses("channel_sync", Access.WRITE), Uses("inventory", Access.READ), *_WRITEBACK_QUEUES),
        timeout_seconds=60,
    ),
)

SCHEDULES = (
    Schedule(
        key="publish_pending_outbox",
        description="Every minute: publish outbox messages still pending (their writer crashed before publishing)",
        function="outbox_publisher",
        every_minutes=1,
    ),
    Schedule(
        key="escalate_stale_holds",
        description="Every 5 minutes: escalate held orders nobody decided on in time",
        function="hold_escalator",
        every_minutes=5,
    ),
    Schedule(
        key="detect_stuck_orders",
        description="Every minute: find orders past their status's time limit (re-drive, escalate)",
        function="stuck_orders",
        every_minutes=1,
    ),
    Schedule(
        key="snapshot_order_health",
        description="Every minute: the order health index into its history and CloudWatch",
        function="operations_snapshot",
        every_minutes=1,
    ),
    Schedule(
        key="sweep_expired_reservations",
        description="Every minute: release reservations whose hold expired (TTL deletes hours late)",
        function="reservation_sweeper",
        every_minutes=1,
    ),
    Schedule(
        key="reconcile_recent",
        description="Every 5 minutes: reconcile each shop's recently modified orders from its cursor",
        function="reconciliation_scheduler",
        every_minutes=5,
        payload={"kind": "incremental"},
    ),
    Schedule(
        key="reconcile_yesterday",
        description="Nightly at 01:30 UTC: reconcile each shop's whole previous day",
        function="reconciliation_scheduler",
        every_minutes=1440,
        cron="30 1 * * ? *",
        payload={"kind": "nightly"},
    ),
    Schedule(
        key="push_channel_stock",
        description="Every minute: push the stock of SKUs that changed to the channels (coalesced per SKU)",
        function="channel_stock_push",
        every_minutes=1,
    ),
)

API_CLIENTS = (
    ApiClient("own_api", "oms's own shop and systems posting canonical orders", sends_api_key=True, rate_share=0.25),
    ApiClient("erp", "the ERP importing order CSVs", sends_api_key=True, rate_share=0.05),
    ApiClient("shopify", "Shopify orders/create webhooks", sends_api_key=False, rate_share=0.25),
    ApiClient("tmall", "oms's Tmall/Taobao connector (聚石塔)", sends_api_key=True, rate_share=0.5),
    ApiClient("jd", "oms's JD connector (云鼎)", sends_api_key=True, rate_share=0.3),
    ApiClient("douyin", "oms's Douyin shop connector (抖店云)", sends_api_key=True, rate_share=0.5),
)

ROUTES = (
    Route("POST", "/orders", "intake", client="own_api", max_body_bytes=MAX_BODY_BYTES),
    *(
        Route("POST", f"/channels/{channel}/{{shop}}/orders", "intake", client=channel, max_body_bytes=MAX_BODY_BYTES)
        for channel in ("shopify", "tmall", "jd", "douyin")
    ),
    Route("POST", "/channels/erp/imports", "erp_import", client="erp", max_body_bytes=MAX_IMPORT_BODY_BYTES),
    Route("GET", "/orders", "orders_api", authorization="IAM"),
    Route("GET", "/orders/{order_id}", "orders_api", authorization="IAM"),
    Route("POST", "/orders/{order_id}/cancel", "orders_api", authorization="IAM"),
    Route("GET", "/review-queue", "orders_api", authorization="IAM"),
    Route("GET", "/stock/{sku}/{warehouse_id}", "inventory_api", authorization="IAM"),
    Route("POST", "/stock/{sku}/{warehouse_id}/buckets", "inventory_api", authorization="IAM"),
    Route("DELETE", "/stock/{sku}/{warehouse_id}/buckets", "inventory_api", authorization="IAM"),
    Route("POST", "/orders/{order_id}/review", "orders_api", authorization="IAM"),
    Route("POST", "/review-queue/approve", "orders_api", authorization="IAM"),
    Route("POST", "/orders/{order_id}/retry", "orders_api", authorization="IAM"),
    Route("POST", "/orders/retry", "orders_api", authorization="IAM"),
    # Review rules: operations people and their tools, signed with IAM credentials.
    Route("GET", "/rulesets", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets", "rules_api", authorization="IAM"),
    Route("GET", "/rulesets/active", "rules_api", authorization="IAM"),
    Route("GET", "/rulesets/audit", "rules_api", authorization="IAM"),
    Route("GET", "/rulesets/schema", "rules_api", authorization="IAM"),
    Route("GET", "/rulesets/openapi", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets/validate", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets/rollback", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets/whatif", "rules_api", authorization="IAM"),
    Route("GET", "/routing/policy", "routing_api", authorization="IAM"),
    Route("POST", "/routing/whatif", "routing_api", authorization="IAM"),
    Route("GET", "/rulesets/{version}", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets/{version}/activate", "rules_api", authorization="IAM"),
    # Reference data the review consults: operations people, signed with IAM credentials.
    Route("GET", "/reference", "reference_api", authorization="IAM"),
    Route("GET", "/reference/audit", "reference_api", authorization="IAM"),
    Route("GET", "/reference/openapi", "reference_api", authorization="IAM"),
    Route("GET", "/reference/{kind}", "reference_api", authorization="IAM"),
    Route("PUT", "/reference/{kind}", "reference_api", authorization="IAM"),
    Route("GET", "/reference/{kind}/{key}", "reference_api", authorization="IAM"),
    Route("DELETE", "/reference/{kind}/{key}", "reference_api", authorization="IAM"),
    # Reconciliation: operations people and their tools (the oms CLI), signed with IAM credentials.
    Route("GET", "/reconciliation/runs", "reconciliation_api", authorization="IAM"),
    Route("POST", "/reconciliation/runs", "reconciliation_api", authorization="IAM"),
    Route("GET", "/reconciliation/runs/{run_id}", "reconciliation_api", authorization="IAM"),
    Route("POST", "/reconciliation/runs/{run_id}/differences/{difference_id}/resolve", "reconciliation_api", authorization="IAM"),
    # Operations figures (shared/operations/): the console's overview and the seed's KPIs.
    Route("GET", "/operations/overview", "operations_api", authorization="IAM"),
    Route("GET", "/operations/kpis", "operations_api", authorization="IAM"),
    Route("GET", "/operations/session", "operations_api", authorization="IAM"),
    Route("GET", "/operations/orders", "operations_api", authorization="IAM"),
    Route("GET", "/operations/stock/{sku}", "operations_api", authorization="IAM"),
    Route("GET", "/operations/stuck", "operations_api", authorization="IAM"),
)

FULFILMENT = Workflow(
    key="fulfilment",
    env_var="FULFILMENT_STATE_MACHINE_ARN",
    definition=ROOT / "statemachines" / "order_fulfilment.asl.json",
    express=True,
    function_placeholders={
        "ReviewFunctionArn": "review",
        "RoutingFunctionArn": "routing",
        "InventoryLockFunctionArn": "inventory_lock",
        "NotificationFunctionArn": "notification",
        "OrderExceptionFunctionArn": "order_exception",
    },
)
WORKFLOWS = (FULFILMENT,)


# Time limits per status, per environment (cdk.json context STUCK_ORDERS_CONTEXT_KEY: "local" is
# the embedded runtime). They reach the functions as settings, so CDK and the local runtime agree.
STUCK_ORDERS_CONTEXT_KEY = "oms:stuckOrders"
STUCK_LIMITS_ENV = "STUCK_LIMITS_SECONDS"  # JSON {"<STATUS>": seconds}
STUCK_MAX_REDRIVES_ENV = "STUCK_MAX_REDRIVES"
# The console's figures read the same limits (shared/operations/limits.py): one table.
_STUCK_ORDER_FUNCTIONS = ("stuck_orders", "operations_aggregator", "operations_api", "operations_snapshot")


def stuck_order_limits(env_name: str) -> tuple[dict[str, int], int]:
    """({status: limit in seconds}, re-drives before escalation) of an environment."""
    context = json.loads((ROOT / "cdk.json").read_text("utf-8"))["context"][STUCK_ORDERS_CONTEXT_KEY]
    if env_name not in context:
        raise KeyError(f"cdk.json context {STUCK_ORDERS_CONTEXT_KEY!r} has no environment {env_name!r}")
    raw = context[env_name]
    limits = {status: int(m) * 60 for status, m in raw["limit_minutes"].items()}
    limits.update({status: int(h) * 3600 for status, h in raw["limit_hours"].items()})
    return limits, int(raw["max_redrives"])


def function_settings(spec: Function, env_name: str) -> dict[str, str]:
    """Every setting (environment variable) of a function in an environment: its own, and the
    per-environment ones from cdk.json."""
    settings = dict(spec.settings)
    if spec.key in _STUCK_ORDER_FUNCTIONS:
        limits, max_redrives = stuck_order_limits(env_name)
        settings[STUCK_LIMITS_ENV] = json.dumps(limits, sort_keys=True, separators=(",", ":"))
        settings[STUCK_MAX_REDRIVES_ENV] = str(max_redrives)
    if spec.key == "hold_escalator":
        settings["HOLD_ESCALATION_MINUTES"] = str(stuck_order_limits(env_name)[0]["ON_HOLD"] // 60)
    return settings


def function(key: str) -> Function:
    return next(f for f in FUNCTIONS if f.key == key)


def queue(key: str) -> Queue:
    return next(q for q in QUEUES if q.key == key)


def stream_consumer_of(function_key: str) -> StreamConsumer:
    """The stream mapping that feeds a function (one at most per function)."""
    [spec] = [s for s in STREAM_CONSUMERS if s.function == function_key]
    return spec


def api_client(key: str) -> ApiClient:
    return next(c for c in API_CLIENTS if c.key == key)


def env_var_of(resource_key: str) -> str:
    """The environment variable through which a function learns a resource's name, URL or ARN."""
    for resource in (*TABLES, *QUEUES, *BUSES, *WORKFLOWS, *BUCKETS, *SECRETS):
        if resource.key == resource_key:
            return resource.env_var
    raise KeyError(resource_key)


# -- After-sales: refunds, cancellations, intercepts, returns (issue 13, shared/aftersales/) ------
# One queue takes every after-sales message (refunds queued by intake, the Shopify partner
# source's refunds/create and orders/cancelled, the WMS's intercept answers and return receipts),
# so that one consumer applies an order's after-sales in one place; its DLQ keeps what cannot apply.
AFTERSALES_QUEUE = Queue(
    key="aftersales",
    env_var="AFTERSALES_QUEUE_URL",
    purpose="Refunds and cancellations from the channels, intercept answers and return receipts from the WMS",
    consumer="aftersales",
    max_concurrency=10,
)
QUEUES = (*QUEUES, AFTERSALES_QUEUE)
RULES = (
    *RULES,
    Rule(
        key="wms_aftersales_to_aftersales",
        description="Deliver the WMS's intercept answers and return receipts to the after-sales queue",
        bus="events",
        pattern={"source": [{"prefix": "wms."}], "detail-type": ["InterceptResult", "ReturnReceipt"]},
        target_queue="aftersales",
    ),
)
# The partner source's refunds and cancellations take its order rule to partner intake, which hands
# them to the after-sales queue (a rule more would cost the stack a rule, a DLQ and an alarm).
RULES = tuple(
    replace(r, pattern={**r.pattern, "detail": {"metadata": {"X-Shopify-Topic": ["orders/create", "orders/updated", "refunds/create", "orders/cancelled"]}}})
    if r.key == "partner_orders_to_intake" else r
    for r in RULES
)
FUNCTIONS = tuple(
    replace(f, uses=(*f.uses, Uses("aftersales", Access.SEND))) if f.key in ("intake", "partner_intake", "reconciler", "erp_import") else f for f in FUNCTIONS
) + (
    Function(
        key="aftersales",
        module="functions.aftersales.handler",
        description="Applies refunds and cancellations at the order's stage (cancel, amend, intercept, expect a return) and the WMS's intercept answers and return receipts",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("events", Access.PUBLISH), Uses("wms_outbound", Access.SEND), Uses("fulfilment", Access.START)),
        memory_mb=512,
    ),
)

# --- After-sales: backorders released on restock, customer notices, order merging (合单) -------
# (shared/backorders/, shared/notices/, shared/merging/; docs/decisions.md 84-89)
QUEUES = (
    *QUEUES,
    Queue(
        key="backorder_release",
        env_var="BACKORDER_RELEASE_QUEUE_URL",
        purpose="Restocked SKUs (FIFO, group = SKU): waiting BACKORDERED orders are re-routed oldest first, one reservation at a time per SKU",
        consumer="backorder_release",
        batch_size=1,  # a signal is a pass over the SKU's waiting orders
        max_concurrency=5,
        visibility_timeout_seconds=6 * 60,
        fifo=True,
    ),
)
FUNCTIONS = (
    *FUNCTIONS,
    Function(
        key="backorder_release",
        module="functions.backorder_release.handler",
        description="Re-routes and reserves BACKORDERED orders when their SKU is restocked, oldest first",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("fulfilment", Access.START), Uses("backorder_release", Access.SEND)),
        memory_mb=1024,  # routes orders (CPU-bound optimiser)
        timeout_seconds=60,
        settings=(("BACKORDER_MODE", "order"),),  # as the routing step's
    ),
)
QUEUES = (
    *QUEUES,
    Queue(
        key="customer_notices",
        env_var="CUSTOMER_NOTICES_QUEUE_URL",
        purpose="Events that ask for a notice to the customer (accepted, shipped, delayed, cancelled, refunded), each sent once",
        consumer="customer_notices",
        max_concurrency=10,  # SNS's SMS rate per account is the real limit (20/s by default)
    ),
)
RULES = (
    *RULES,
    Rule(
        key="order_events_to_customer_notices",
        description="Deliver the order events a customer hears about to the customer notices queue (OrderRefunded: published by after-sales)",
        bus="events",
        pattern={
            "source": ["oms.orders"],
            "detail-type": ["OrderAccepted", "OrderBackordered", "OrderStuck", "StuckOrderEscalated", "OrderCancelled", "OrderRefunded"],
        },
        target_queue="customer_notices",
    ),
    Rule(
        key="parcels_shipped_to_customer_notices",
        description="Deliver the warehouses' shipped parcels (with tracking) to the customer notices queue",
        bus="events",
        pattern={"source": [{"prefix": "wms."}, {"prefix": "carrier."}], "detail-type": ["ParcelShipped"]},
        target_queue="customer_notices",
    ),
)
FUNCTIONS = (
    *FUNCTIONS,
    Function(
        key="customer_notices",
        module="functions.customer_notices.handler",
        description="Sends each customer notice once by SMS (SNS), records it and notes it on the order's timeline",
        uses=(_ORDERS_RW,),
    ),
)
# Functions that text customers: SNS Publish to phone numbers (no topic, so no resource to name;
# infra/customer_messaging.py grants it, acknowledged for cdk-nag). Locally moto's SNS takes them.
CUSTOMER_MESSAGING_FUNCTIONS = ("customer_notices",)
QUEUES = (
    *QUEUES,
    Queue(
        key="merge_events",
        env_var="MERGE_EVENTS_QUEUE_URL",
        purpose="合单 follow-up: a member cancelled or refunded before release unmerges; the merged shipment shipped or delivered carries its members",
        consumer="order_merger",
        max_concurrency=5,
        visibility_timeout_seconds=6 * 60,
    ),
)
RULES = (
    *RULES,
    Rule(
        key="order_events_to_merging",
        description="Deliver cancellations and refunds to merging (a member leaving before release unmerges its group)",
        bus="events",
        pattern={"source": ["oms.orders"], "detail-type": ["OrderCancelled", "OrderRefunded"]},
        target_queue="merge_events",
    ),
    Rule(
        key="parcels_to_merging",
        description="Deliver shipped and delivered parcels to merging (a merged shipment's members follow it)",
        bus="events",
        pattern={"source": [{"prefix": "wms."}, {"prefix": "carrier."}], "detail-type": ["ParcelShipped", "ParcelDelivered"]},
        target_queue="merge_events",
    ),
)
_MERGING = (_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("events", Access.PUBLISH), Uses("fulfilment", Access.START), Uses("wms_outbound", Access.SEND))
FUNCTIONS = (
    *FUNCTIONS,
    Function(
        key="order_merger",
        module="functions.order_merger.handler",
        description="合单: the automatic merge rule on a schedule; unmerges on a member's cancel or refund; members follow their merged shipment",
        uses=_MERGING,
        memory_mb=1024,  # prices plans with the router (CPU-bound)
        timeout_seconds=60,
    ),
    Function(
        key="merging_api",
        module="functions.merging_api.handler",
        description="合单 API: price a merge, merge on an operator's decision, read a merge, unmerge before release",
        uses=_MERGING,
        memory_mb=1024,
        timeout_seconds=30,
    ),
)
SCHEDULES = (
    *SCHEDULES,
    Schedule(
        key="merge_waiting_orders",
        description="Every 5 minutes: merge waiting orders of one buyer to one address when the merge rule's saving is met",
        function="order_merger",
        every_minutes=5,
        payload={"kind": "sweep"},
    ),
)
ROUTES = (
    *ROUTES,
    Route("POST", "/refunds", "intake", client="own_api", max_body_bytes=MAX_BODY_BYTES),
    Route("GET", "/orders/{order_id}/aftersales", "orders_api", authorization="IAM"),
    Route("POST", "/merges/preview", "merging_api", authorization="IAM"),
    Route("POST", "/merges", "merging_api", authorization="IAM"),
    Route("GET", "/merges/{merge_id}", "merging_api", authorization="IAM"),
    Route("POST", "/merges/{merge_id}/unmerge", "merging_api", authorization="IAM"),
)


# --- Open returns across orders (decision 124; shared/aftersales/store.py) -----------------------
# Sparse: only RMA items carry return_key = RETURN#<state>; sorted on created_at, oldest first.
# Returns are a few percent of orders: one partition per state is far below a partition's limits.
TABLES = tuple(replace(t, indexes=(*t.indexes, Index("by_return", "return_key", "created_at"))) if t.key == "orders" else t for t in TABLES)

# --- Stock given back reaches the channels (decision 125) ----------------------------------------
# Every function that may give reserved stock back (a cancellation, an expired hold, an amendment,
# an intercept, a return restocked) marks the SKUs for the channel stock push
# (shared/usecases/settle_reservations.py): it writes the channel sync table's change marks.
FUNCTIONS = tuple(
    replace(f, uses=(*f.uses, Uses("channel_sync", Access.WRITE)))
    if any(u.resource == "inventory" and u.access == Access.WRITE for u in f.uses) and not any(u.resource == "channel_sync" and u.access == Access.WRITE for u in f.uses)
    else f
    for f in FUNCTIONS
)

# --- Customer notices by email (decision 126; shared/notices/email.py) ---------------------------
# A buyer who gave an email (Shopify's email/contact_email) is told by SES, others by SMS. The
# sender is an SES-verified identity of the account (verified outside the stack, as a domain is);
# infra/customer_messaging.py grants ses:SendEmail on that identity only. Per environment (decision
# 138): cdk.json oms:environments.<env>.notice_email_from (required in staging and prod); this
# constant is the local runtime's sender and dev's fallback.
NOTICE_EMAIL_FROM = "notices@oms.example.cn"
FUNCTIONS = tuple(replace(f, settings=(*f.settings, ("NOTICE_EMAIL_FROM", NOTICE_EMAIL_FROM))) if f.key in CUSTOMER_MESSAGING_FUNCTIONS else f for f in FUNCTIONS)

# --- Per-channel write-back queues (decision 123; shared/writeback/channels.queue_key) ----------
# One queue, DLQ and alarm per platform: a platform that is down or throttling holds back only its
# own write-backs and stock pushes (its delayed re-sends wait in its own queue), and its DLQ and
# alarm name it. The event channels (ERP, partner) stay on `channel_writeback`. The failed
# write-backs (the by_failed index) have an API beside `python -m local.writebacks`, in the
# console's operations area.
WRITEBACK_PLATFORMS = ("shopify", "tmall", "jd", "douyin")  # shared/writeback/channels.PLATFORMS
QUEUES = (
    *QUEUES,
    *(
        Queue(
            key=f"writeback_{platform}",
            env_var=f"WRITEBACK_{platform.upper()}_QUEUE_URL",
            purpose=f"Shipping write-backs and stock pushes to {platform}, retried with backoff (delayed re-sends); given up ones in its DLQ with their reason",
            consumer="channel_writeback",
            batch_size=5,
            max_receive_count=3,  # the consumer retries itself; redelivery only after a crash
            max_concurrency=3,  # the platform rate-limits the app: a few calls at a time
            visibility_timeout_seconds=6 * 30,
        )
        for platform in WRITEBACK_PLATFORMS
    ),
)
_EVERY_WRITEBACK_QUEUE = tuple(Uses(f"writeback_{platform}", Access.SEND) for platform in WRITEBACK_PLATFORMS)
FUNCTIONS = tuple(
    replace(f, uses=(*f.uses, *_EVERY_WRITEBACK_QUEUE)) if any(u.resource == "channel_writeback" and u.access == Access.SEND for u in f.uses) else f
    for f in FUNCTIONS
) + (
    Function(
        key="aftersales_api",
        module="functions.aftersales_api.handler",
        description="After-sales for operations: the open returns across orders; failed write-backs to the channels, listed and redriven",
        uses=(_ORDERS_RW, Uses("channel_sync", Access.WRITE), *_WRITEBACK_QUEUES, *_EVERY_WRITEBACK_QUEUE),
        timeout_seconds=30,
    ),
)
ROUTES = (
    *ROUTES,
    Route("GET", "/operations/writebacks", "aftersales_api", authorization="IAM"),
    Route("POST", "/operations/writebacks/redrive", "aftersales_api", authorization="IAM"),
    Route("POST", "/operations/writebacks/{writeback_id}/redrive", "aftersales_api", authorization="IAM"),
    Route("GET", "/returns", "aftersales_api", authorization="IAM"),
)

# --- The console's after-sales and 合单 pages (decisions 132 and 134) ----------------------------
# An order's after-sales in one answer (refunds, intercepts, returns, its parcels' write-backs,
# notices), and the open merges; both under /operations, so in the console's API below.
ROUTES = (
    *ROUTES,
    Route("GET", "/operations/orders/{order_id}/aftersales", "aftersales_api", authorization="IAM"),
    Route("GET", "/operations/merges", "merging_api", authorization="IAM"),
)

# Last, so that every IAM route of the console's areas above (after-sales included) is in it.
# The console's API: the IAM routes of the areas the console's pages use, again under /console,
# for console users signed in with Cognito (groups operator and supervisor; the handlers check the
# supervisor-only actions). On AWS it is a REST API of its own in the console's nested stack
# (decisions 69 and 71). A route added above in one of these areas reaches the console with no
# further entry; an area the console does not show (reference data, reconciliation) stays with
# operations tools. The routing page replays a candidate routing policy (read only, any group).
CONSOLE_AREAS = ("/orders", "/review-queue", "/rulesets", "/stock", "/operations", "/returns", "/routing")
CONSOLE_ROUTES = tuple(
    Route(r.method, CONSOLE_PREFIX + r.path, r.function, authorization="COGNITO")
    for r in ROUTES
    if r.authorization == "IAM" and any(r.path == a or r.path.startswith(a + "/") for a in CONSOLE_AREAS)
)
ROUTES = ROUTES + CONSOLE_ROUTES

# --- Lambda's own log lines (decision 160) ------------------------------------------------------
# Lambda's platform lines (START, END, REPORT: about 350 bytes per invocation, a third of an
# order's logs) are INFO; the functions' system log level is WARN, so only the platform's warnings
# and errors reach CloudWatch. Duration, errors, timeouts and throttles stay as Lambda's metrics;
# the functions' own INFO lines (one per order event) are kept.
LAMBDA_SYSTEM_LOG_LEVEL = "WARN"

# --- Lambda memory from measured durations (decision 159) -------------------------------------
# `python -m benchmarks.lambda_sizing` prints, per function the footprint run exercises, its CPU
# and AWS waits and, at each size, the modelled duration, cost and peak concurrency. Below a vCPU
# memory is paid only while a function waits; it buys duration. The rule: the smallest size whose
# modelled duration is ≤ 150 ms for a step on an order's path or an API (256 MB floor). These
# sizes override the ones written above. inventory_lock (and intake, below) stay at 512 MB: 126 ms there in one run,
# 171 ms in another (its CPU measured 28 and 41 ms on this shared machine), at the budget's edge.
SIZED_MEMORY_MB = {
    # intake stays at 512 MB: 144 ms at 256 MB is at the budget's edge like inventory_lock, and a
    # cold container answering a platform's signed webhook also pays its init at 256/1,769 of a vCPU
    "workflow_starter": 256,  # 16 ms CPU, 26 ms waiting: 134 ms
    "customer_notices": 512,  # 21-24 ms CPU: 181-195 ms at 256 MB, 107-112 ms at 512
    # Decision 244, the rule re-applied to the footprint run of f3462a9 (CPU per invocation down
    # since decision 159: the routing step's package-count reads, decisions 180-242):
    "routing": 512,  # 16 ms CPU, 41 ms waiting: 97 ms at 512 MB (69 at 1,024)
    "review": 512,  # 17 ms CPU, 55 ms waiting: 113 ms at 512 MB (84 at 1,024)
    "notification": 512,  # 15 ms CPU, 55 ms waiting: 106 ms at 512 MB (81 at 1,024); 41-49 ms CPU at decision 159
    # orders_api stays at 1,024 MB: 121 ms at 256 MB follows the rule, but a person at the console
    # waits for its cold start, whose first call builds its clients (+clients: 136 ms of CPU at a
    # full vCPU, python -m benchmarks.cold_import), about 0.9 s at 256/1,769 of one
    "orders_api": 1024,  # 10 ms CPU, 53 ms waiting: 70 ms
}
FUNCTIONS = tuple(replace(f, memory_mb=SIZED_MEMORY_MB.get(f.key, f.memory_mb)) for f in FUNCTIONS)

# --- Lambda SnapStart (decision 200) -------------------------------------------------------------
# Functions whose cold start someone waits for: every HTTP API function (a person at the console,
# a channel's webhook with its own timeout) and the order path from intake to the outbound note
# (the intake queue's consumers and the fulfilment workflow's tasks: a promotion's ramp-up is
# cold starts on exactly these). Each has a published version and an alias, SNAPSTART_ALIAS, that
# every caller invokes (a snapshot serves only a published version); in a stage with `snapstart`
# on (cdk.json) the versions are published with SnapStart. The rest (schedules, after-sales and
# write-back consumers, the stream consumer) are invoked unqualified: nobody waits for their cold
# start, a schedule's function is warm from its previous minute, and a snapshot would be a fixed
# monthly charge for nothing (benchmarks/footprint/snapstart.py prices it).
SNAPSTART_ALIAS = "live"
SNAPSTART_FUNCTIONS = tuple(
    sorted(
        {r.function for r in ROUTES}
        | set(FULFILMENT.function_placeholders.values())
        | {q.consumer for q in QUEUES if q.consumer and q.key in ("intake", "partner_orders")}
    )
)
# The AWS services (botocore's names) a function calls, from what it uses: a SnapStart function's
# snapshot holds their decoded models (shared/snapstart.py primes them before the snapshot, without
# credentials), so a restored environment builds its clients without decoding them again.
_SERVICE_OF_KIND = (("dynamodb", "TABLES"), ("sqs", "QUEUES"), ("events", "BUSES"), ("stepfunctions", "WORKFLOWS"), ("s3", "BUCKETS"), ("secretsmanager", "SECRETS"))


def aws_services(spec: Function) -> tuple[str, ...]:
    used = {u.resource for u in spec.uses}
    services = {service for service, kind in _SERVICE_OF_KIND if used & {r.key for r in globals()[kind]}}
    if any(q.consumer == spec.key for q in QUEUES):
        services.add("sqs")  # a consumer sends poison messages to its queue's DLQ
    if spec.key in CUSTOMER_MESSAGING_FUNCTIONS:
        services |= {"sns", "ses"}
    return tuple(sorted(services))

