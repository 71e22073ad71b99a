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


@dataclass(frozen=True)
class Table:
    key: str
    env_var: str
    partition_key: str = "pk"
    sort_key: str = "sk"
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None


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
class Function:
    key: str
    module: str  # the handler's module from the repo root; its function `handler` is the entry point
    description: str
    uses: tuple[Uses, ...] = ()
    memory_mb: int = 256
    timeout_seconds: int = 10

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
    # Who may call it: "NONE" (public; the handler authenticates) or "IAM" (SigV4-signed
    # callers, e.g. operations tools). The local runtime may ignore it.
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


ORDERS = Table(
    key="orders",
    env_var="ORDERS_TABLE",
    indexes=(
        Index("by_channel_order", "channel_key", "sk"),
        Index("by_status", "status_key", "updated_at"),
    ),
)
INVENTORY = Table(key="inventory", env_var="INVENTORY_TABLE", ttl_attribute="expires_at_epoch")
CATALOG = Table(key="catalog", env_var="CATALOG_TABLE")  # oms's SKUs and the channel SKU mapping
TABLES = (ORDERS, INVENTORY, CATALOG)

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
        description="Deliver every OutboundNoteCreated event to the WMS outbound queue",
        bus="events",
        pattern={"source": [BUS.source], "detail-type": ["OutboundNoteCreated"]},
        target_queue="wms_outbound",
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
        description="Operations API: read an order with its lines, notes and timeline",
        uses=(Uses("orders", Access.READ),),
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
        uses=(_ORDERS_RW,),
    ),
    Function(
        key="routing",
        module="functions.routing.handler",
        description="Chooses the warehouse that ships the order, or backorders it",
        uses=(_ORDERS_RW, Uses("inventory", Access.READ)),
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
        key="order_exception",
        module="functions.order_exception.handler",
        description="Moves an order whose workflow failed into EXCEPTION, with the error",
        uses=(_ORDERS_RW, Uses("events", Access.PUBLISH)),
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
    Route("GET", "/orders/{order_id}", "orders_api", authorization="IAM"),
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
