"""The wiring of oms, declared once.

Both the CDK app (infra/) and the embedded local runtime (local/) read this module: which
functions exist and which handler each runs, which resources each may touch (and so its
environment variables and IAM grants), which API routes, queues, rules and tables there are,
and which placeholders the workflow's ASL expects. Nothing here imports CDK or boto3.
tests/infra/test_topology_agrees_with_template.py proves the synthesized template matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    retried from its first failed record (ReportBatchItemFailures) `retry_attempts` times, then
    its coordinates sent to `failure_queue` (the stream's dead-letter queue)."""

    key: str
    table: str
    function: str
    failure_queue: str
    sort_key_equals: str | None = None  # an event filter: only items with this sort key
    batch_size: int = 100
    max_batching_window_seconds: int = 1
    retry_attempts: int = 10


@dataclass(frozen=True)
class Queue:
    key: str
    env_var: str
    purpose: str
    consumer: str | None = None  # function key; None when an outside system pulls from it
    batch_size: int = 10
    max_batching_window_seconds: int = 0
    max_receive_count: int = 5  # deliveries before the message moves to the dead-letter queue
    visibility_timeout_seconds: int = 60

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
    every_minutes: int


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
_RECENT_ORDER_ATTRIBUTES = ("order_id", "status", "buyer_key", "address_key", "lines_key")

ORDERS = Table(
    key="orders",
    env_var="ORDERS_TABLE",
    indexes=(
        Index("by_channel", "channel_key", "created_at"),
        Index("by_status", "status_key", "updated_at"),
        Index("by_customer", "customer_key", "created_at"),
        # Review's windowed checks: the same buyer's / the same address's orders around a time.
        Index("by_buyer", "buyer_key", "placed_key", projection=_RECENT_ORDER_ATTRIBUTES),
        Index("by_address", "address_key", "placed_key", projection=_RECENT_ORDER_ATTRIBUTES),
        # The last N stored orders (what-if replay): day and shard, newest first.
        Index("by_day", "day_key", "created_at", projection=()),
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
# The operations aggregates: counters, open-order gauges, health history (shared/operations/store.py).
OPERATIONS = Table(key="operations", env_var="OPERATIONS_TABLE", ttl_attribute="expires_at_epoch")
TABLES = (ORDERS, INVENTORY, REVIEW, CATALOG, OPERATIONS)

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
        max_batching_window_seconds=1,
    ),
    Queue(
        key="parcel_updates",
        env_var="PARCEL_UPDATES_QUEUE_URL",
        purpose="Shipped / delivered / delivery-exception updates from warehouses and carriers",
        consumer="parcel_updates",
    ),
    Queue(
        key="stock_sync",
        env_var="STOCK_SYNC_QUEUE_URL",
        purpose="Stock counts and movements from the WMS/ERP, applied to the inventory",
        consumer="stock_sync",
        batch_size=10,
    ),
    Queue(
        key="partner_orders",
        env_var="PARTNER_ORDERS_QUEUE_URL",
        purpose="Order events from SaaS partners' event sources, waiting for partner intake",
        consumer="partner_intake",
    ),
    Queue(
        key="erp_import_files",
        env_var="ERP_IMPORT_FILES_QUEUE_URL",
        purpose="CSV files dropped in the ERP import bucket (S3 event notifications)",
        consumer="erp_import",
        batch_size=1,  # a file is minutes of work
        max_receive_count=3,
        visibility_timeout_seconds=6 * 900,  # six times the consumer's timeout, as AWS advises
    ),
    Queue(
        key="order_changes_failed",
        env_var="ORDER_CHANGES_FAILED_QUEUE_URL",
        purpose="Order-change stream batches the operations aggregator gave up on (shard, sequence numbers): replay them",
        consumer=None,
    ),
    Queue(
        key="wms_outbound",
        env_var="WMS_OUTBOUND_QUEUE_URL",
        purpose="Outbound notes (出库单) for the warehouses; the WMS connector pulls from it",
        consumer=None,
        visibility_timeout_seconds=120,
    ),
)

RULES = (
    Rule(
        key="outbound_notes_to_wms",
        description="Deliver outbound notes, and their voiding on cancellation, to the WMS outbound queue",
        bus="events",
        pattern={"source": [BUS.source], "detail-type": ["OutboundNoteCreated", "OutboundNoteVoided"]},
        target_queue="wms_outbound",
    ),
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
)

SECRETS = (
    Secret(
        key="channel_secrets",
        env_var="CHANNEL_SECRETS_ARN",
        description='Webhook signing secrets per channel and shop: {"<channel>": {"<shop>": "<secret>"}}',
    ),
)

_ORDERS_RW = Uses("orders", Access.WRITE)
# What every intake path needs: store the order, map its SKUs, queue it.
_INTAKE = (_ORDERS_RW, Uses("catalog", Access.READ), Uses("intake", Access.SEND))

FUNCTIONS = (
    Function(
        key="intake",
        module="functions.intake.handler",
        description="Validates a channel order, stores it once and queues it for fulfilment",
        uses=(*_INTAKE, Uses("channel_secrets", Access.READ)),
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
        description="Operations API: find orders, read one with its timeline, cancel, decide on held orders",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE), Uses("events", Access.PUBLISH), Uses("fulfilment", Access.START)),
    ),
    Function(
        key="workflow_starter",
        module="functions.workflow_starter.handler",
        description="Starts the fulfilment workflow for each queued order",
        uses=(Uses("orders", Access.READ), Uses("fulfilment", Access.START)),
    ),
    Function(
        key="review",
        module="functions.review.handler",
        description="Automatic order review (智能审单)",
        uses=(_ORDERS_RW, Uses("review", Access.READ)),
    ),
    Function(
        key="routing",
        module="functions.routing.handler",
        description="Chooses the warehouses that ship the order, or backorders it",
        uses=(_ORDERS_RW, Uses("inventory", Access.READ)),
        settings=(("BACKORDER_MODE", "order"),),  # "lines": ship what exists, backorder the rest as a child order
    ),
    Function(
        key="inventory_lock",
        module="functions.inventory_lock.handler",
        description="Reserves the stock of a routing plan atomically",
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE)),
    ),
    Function(
        key="notification",
        module="functions.notification.handler",
        description="Creates the outbound note (出库单) and announces it",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH)),
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
        key="order_exception",
        module="functions.order_exception.handler",
        description="Moves an order whose workflow failed into EXCEPTION, with the error",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH)),
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
        uses=(_ORDERS_RW, Uses("inventory", Access.WRITE)),
    ),
    Function(
        key="hold_escalator",
        module="functions.hold_escalator.handler",
        description="Escalates held orders nobody decided on in time",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH)),
        timeout_seconds=60,
        settings=(("HOLD_ESCALATION_MINUTES", "120"),),
    ),
    Function(
        key="operations_aggregator",
        module="functions.operations_aggregator.handler",
        description="Counts every order change into the operations aggregates (health index, KPIs), once",
        uses=(Uses("operations", Access.WRITE), Uses("order_changes_failed", Access.SEND)),
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
        uses=(Uses("inventory", Access.WRITE),),
    ),
)

STREAM_CONSUMERS = (
    StreamConsumer(
        key="order_changes_to_aggregates",
        table="orders",
        function="operations_aggregator",
        failure_queue="order_changes_failed",
        sort_key_equals="META",  # the order items; timeline and note items are not counted
    ),
)

SCHEDULES = (
    Schedule(
        key="escalate_stale_holds",
        description="Every 5 minutes: escalate held orders nobody decided on in time",
        function="hold_escalator",
        every_minutes=5,
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
    Route("GET", "/rulesets/{version}", "rules_api", authorization="IAM"),
    Route("POST", "/rulesets/{version}/activate", "rules_api", authorization="IAM"),
    # Operations figures (shared/operations/): the console's overview and the seed's KPIs.
    Route("GET", "/operations/overview", "operations_api", authorization="IAM"),
    Route("GET", "/operations/kpis", "operations_api", authorization="IAM"),
    Route("GET", "/operations/session", "operations_api", authorization="IAM"),
    Route("GET", "/operations/orders", "operations_api", authorization="IAM"),
    Route("GET", "/operations/stock/{sku}", "operations_api", authorization="IAM"),
    Route("GET", "/operations/stuck", "operations_api", authorization="IAM"),
)
# The console's route family: every IAM route again under /console, for console users signed
# in with Cognito (groups operator and supervisor; the handlers check the supervisor-only
# actions). A route added above for operations tools reaches the console with no further entry.
CONSOLE_ROUTES = tuple(
    Route(r.method, CONSOLE_PREFIX + r.path, r.function, authorization="COGNITO") for r in ROUTES if r.authorization == "IAM"
)
ROUTES = ROUTES + CONSOLE_ROUTES

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


def function(key: str) -> Function:
    return next(f for f in FUNCTIONS if f.key == key)


def queue(key: str) -> Queue:
    return next(q for q in QUEUES if q.key == key)


def api_client(key: str) -> ApiClient:
    return next(c for c in API_CLIENTS if c.key == key)


def env_var_of(resource_key: str) -> str:
    """The environment variable through which a function learns a resource's name, URL or ARN."""
    for resource in (*TABLES, *QUEUES, *BUSES, *WORKFLOWS, *BUCKETS, *SECRETS):
        if resource.key == resource_key:
            return resource.env_var
    raise KeyError(resource_key)
