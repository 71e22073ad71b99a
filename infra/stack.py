"""One environment of oms: every construct, built in the order their references need."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from infra import topology
from infra.api import Api
from infra.buckets import Buckets
from infra.config import EnvironmentSettings
from infra.functions import Functions
from infra.messaging import Messaging
from infra.monitoring import Monitoring
from infra.schedules import Schedules
from infra.secrets import Secrets
from infra.store import Store
from infra.customer_messaging import grant_customer_messaging
from infra.wiring import Resources, connect_consumers, grant_uses
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
        self.workflows = Workflows(self, "Workflows", settings=settings, functions=functions)

        resources = Resources(
            tables=self.store.tables,
            queues=self.messaging.queues,
            buses=self.messaging.buses,
            workflows=self.workflows.state_machines,
            buckets=self.buckets.buckets,
            secrets=self.secrets.secrets,
        )
        grant_uses(functions, resources)
        grant_customer_messaging(functions)
        connect_consumers(functions, self.messaging.queues, self.messaging.dead_letter_queues)

        self.schedules = Schedules(self, "Schedules", functions=functions)

        self.api = Api(self, "Api", settings=settings, functions=functions)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            settings=settings,
            queues=self.messaging.queues,
            dead_letter_queues={**self.messaging.dead_letter_queues, **self.schedules.dead_letter_queues},
            state_machines=self.workflows.state_machines,
            functions=functions,
            api_stage=self.api.rest_api.deployment_stage,
            tables=self.store.tables,
        )


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
