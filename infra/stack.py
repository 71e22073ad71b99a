"""One environment of oms: every construct, built in the order their references need."""

from __future__ import annotations

from aws_cdk import Environment, NestedStack, Stack, Tags
from constructs import Construct

from infra import topology
from infra.api import Api
from infra.buckets import Buckets
from infra.config import EnvironmentSettings
from infra.console import ConsoleSite, ConsoleUsers
from infra.customer_messaging import grant_customer_messaging
from infra.functions import Functions
from infra.messaging import Messaging
from infra.monitoring import Monitoring
from infra.schedules import Schedules
from infra.secrets import Secrets
from infra.store import Store
from infra.wiring import Resources, connect_consumers, connect_streams, grant_uses
from infra.workflow import Workflows


class OmsStack(Stack):
    def __init__(self, scope: Construct, *, settings: EnvironmentSettings) -> None:
        env = (
            Environment(account=settings.account, region=settings.region)
            if settings.account or settings.region
            else None
        )
        super().__init__(
            scope,
            settings.stack_name,
            stack_name=settings.stack_name,
            description=f"oms order middle-platform ({settings.name})",
            env=env,
            tags={"project": "oms", "env": settings.name},
        )
        # Stack tags reach CloudFormation's stack; Tags.of writes them on every resource in the
        # template too, so cost reports and IAM conditions see them whatever deploys it.
        for key, value in (("project", "oms"), ("env", settings.name)):
            Tags.of(self).add(key, value)
        _check_no_workflow_starts_itself()
        self.settings = settings

        self.store = Store(self, "Store", settings=settings)
        self.messaging = Messaging(self, "Messaging", settings=settings)
        self.buckets = Buckets(self, "Buckets", settings=settings, queues=self.messaging.queues)
        self.secrets = Secrets(self, "Secrets", settings=settings)
        # Functions first, without their resource wiring: workflows need the task functions'
        # ARNs, and the starter function needs the workflow's ARN. Wiring comes last.
        self.functions = Functions(self, "Functions", settings=settings)
        functions = self.functions.functions
        # What callers invoke: a SnapStart function's alias, any other function itself (decision 200).
        invoked = self.functions.invoked
        self.workflows = Workflows(self, "Workflows", settings=settings, functions=invoked)

        resources = Resources(
            tables=self.store.tables,
            queues=self.messaging.queues,
            buses=self.messaging.buses,
            workflows=self.workflows.state_machines,
            buckets=self.buckets.buckets,
            secrets=self.secrets.secrets,
        )
        grant_uses(functions, resources)
        grant_customer_messaging(functions, settings.notice_email_from)
        connect_consumers(functions, self.messaging.queues, self.messaging.dead_letter_queues, invoked)
        connect_streams(functions, self.store.tables, self.messaging.queues, invoked)

        self.schedules = Schedules(self, "Schedules", functions=invoked)

        # Everything at the edge and every alarm lives in a nested stack of its own, so no
        # template comes near CloudFormation's 500 resources (decision 71; the infra tests
        # fail above RESOURCE_BUDGET per template).
        api_stack = NestedStack(self, "Api", description=f"oms {settings.name}: the channels' and operations tools' REST API")
        self.api = Api(
            api_stack,
            "Api",
            settings=settings,
            functions=invoked,
            routes=tuple(r for r in topology.ROUTES if r.authorization != "COGNITO"),
            name=settings.stack_name,
            description="oms: channel order intake and the operations API",
        )
        # Console users (Cognito groups operator, supervisor) call an API of their own, with
        # only the console's routes; the console's files and that API share one CloudFront origin.
        console_stack = NestedStack(self, "Console", description=f"oms {settings.name}: the operations console (users, API, site)")
        self.console_users = ConsoleUsers(console_stack, "ConsoleUsers", settings=settings)
        self.console_api = Api(
            console_stack,
            "ConsoleApi",
            settings=settings,
            functions=invoked,
            routes=tuple(r for r in topology.ROUTES if r.authorization == "COGNITO"),
            name=f"{settings.stack_name}-console",
            description="oms: the operations console's API (Cognito users)",
            user_pool=self.console_users.user_pool,
            owns_account_role=False,
        )
        # The account's CloudWatch role for API Gateway comes with the first API.
        console_stack.add_stack_dependency(api_stack)
        self.console_site = ConsoleSite(
            console_stack,
            "ConsoleSite",
            settings=settings,
            rest_api=self.console_api.rest_api,
            user_pool=self.console_users.user_pool,
            bucket=self.buckets.buckets["console_site"],
        )
        monitoring_stack = NestedStack(self, "Monitoring", description=f"oms {settings.name}: alarms, their topic and the dashboard")
        self.monitoring = Monitoring(
            monitoring_stack,
            "Monitoring",
            settings=settings,
            queues=self.messaging.queues,
            dead_letter_queues={**self.messaging.dead_letter_queues, **self.schedules.dead_letter_queues},
            state_machines=self.workflows.state_machines,
            functions=functions,
            api_stage=self.api.rest_api.deployment_stage,
            tables=self.store.tables,
            stream_consumers={s.function: functions[s.function] for s in topology.STREAM_CONSUMERS},
            console_stage=self.console_api.rest_api.deployment_stage,
        )
        self.nested_stacks = {"Api": api_stack, "Console": console_stack, "Monitoring": monitoring_stack}


def _check_no_workflow_starts_itself() -> None:
    """A task function that may start its own workflow would make a CloudFormation cycle
    (the state machine references the function, the function's environment the machine)."""
    for workflow in topology.WORKFLOWS:
        for function_key in workflow.function_placeholders.values():
            for uses in topology.function(function_key).uses:
                if uses.resource == workflow.key:
                    raise ValueError(
                        f"function {function_key!r} is a task of workflow {workflow.key!r} and "
                        "also uses it: CloudFormation cannot deploy that cycle"
                    )
