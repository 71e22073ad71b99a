"""The local runtime patches moto in one module; these fail first when a moto upgrade moves the
spots it relies on."""

import inspect

import moto
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from local import moto_memory, moto_patches


def test_moto_is_the_pinned_version():
    assert moto.__version__ == moto_patches.PINNED_MOTO


def test_the_patched_spots_still_exist_with_the_expected_shape():
    assert list(inspect.signature(LambdaFunction._invoke_lambda).parameters)[:2] == ["self", "event"]
    assert list(inspect.signature(WaitFunction._wait_interval).parameters) == ["self", "env", "wait_seconds"]
    assert "boto_client_for" in vars(lambda_eval_utils)
    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier_decl)
    # The whole-table snapshot that install_dynamodb_fidelity() neutralises and replaces.
    transact = inspect.getsource(moto_patches._original_transact_write_items)
    assert "copy.deepcopy(" in transact and "self.tables[table_name] = original_table_state[table_name]" in transact
    assert "call_action" in vars(moto_patches.DynamoHandler)
    # The per-request service lookup (a directory listing) that is remembered per host.
    lookup = inspect.getsource(moto_patches._original_backend_for_host)
    assert list(inspect.signature(moto_patches._original_backend_for_host).parameters) == ["self", "host"]
    assert "backends.list_of_moto_modules()" in lookup
    # The base-table Query that filters all_items() by hash key, which the fidelity patch scopes.
    query = inspect.getsource(moto_patches._original_query)
    assert "for item in self.all_items()\n                if isinstance(item, Item) and item.hash_key == hash_key" in query
    assert "index_name" in moto_patches._QUERY_SIGNATURE.parameters and "hash_key" in moto_patches._QUERY_SIGNATURE.parameters
    # The queue internals snapshots read (state_at_one_moment).
    from moto.sqs.models import Message, Queue

    assert "_messages" in inspect.getsource(Queue.__init__) and "_messages_lock" in inspect.getsource(Queue.__init__)
    message = inspect.getsource(Message.__init__)
    assert "self.body = body" in message and "self.message_attributes" in message
    assert "self.group_id" in message and "self.deduplication_id" in message
    # The name check allow_duplicate_executions() bypasses (moto refuses what AWS Express allows).
    assert "raise ExecutionAlreadyExists(" in inspect.getsource(moto_patches._original_name_idempotency)
    from local import moto_speed  # which wraps start_execution to forget old finished runs

    assert "_handle_name_input_idempotency(" in inspect.getsource(moto_speed._original_start_execution)
    assert "state_machine.executions.append(execution)" in inspect.getsource(moto_speed._original_start_execution)
    # The bus-name reading install_partner_bus_names() replaces: the last path segment of anything.
    assert 'split("/")[-1]' in inspect.getsource(moto_patches._original_normalize_event_bus_arn)
    # The server's WSGI application, handed to the in-process transport (local/transport.py).
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    assert "self._server = make_server(" in inspect.getsource(ThreadedMotoServer._server_entry)
    # The per-execution parse that is done once per definition.
    entrypoint = inspect.getsource(moto_patches._original_entrypoint)
    assert "AmazonStateLanguageParser.parse(" in entrypoint and "state_machine_details.definition" in entrypoint
    # The index Query that tests every item of the table, and the writes that keep our value maps.
    assert "for item in self.all_items():" in inspect.getsource(moto_patches._original_query)
    assert "hash_key_conditions" in moto_patches._QUERY_SIGNATURE.parameters
    assert list(inspect.signature(moto_patches._original_put_item).parameters)[:2] == ["self", "item_attrs"]
    assert list(inspect.signature(moto_patches._original_delete_item).parameters) == ["self", "hash_key", "range_key"]
    assert list(inspect.signature(moto_patches._original_update_item).parameters)[:3] == ["self", "table_name", "key"]
    assert "self.items[hash_value][range_value] = item" in inspect.getsource(moto_patches._original_put_item)
    # Decision 180: the JSONPath parses, the request id, the deleted handles and SigV4's steps.
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    assert "input_expr = parse(path)" in inspect.getsource(json_path.extract_json)
    assert "parse(self.result_path_src)" in inspect.getsource(result_path.ResultPath._eval_body)
    assert "gen_amzn_requestid_long(headers)" in inspect.getsource(moto_speed.core_responses)
    assert "get_random_string(length=52)" in inspect.getsource(moto_speed._original_request_id)
    assert "self.deleted_messages.update(message.all_receipt_handles)" in inspect.getsource(moto_memory._original_delete_message)
    assert "if receipt_handle in self.deleted_messages:" in inspect.getsource(moto_memory._original_delete_message)
    # The two histories of sent texts local/moto_histories.py keeps to their newest.
    from local import moto_histories

    sms = inspect.getsource(moto_histories._original_publish)
    assert "self.sms_messages[message_id] = (phone_number, message)" in sms and "self.sms_message_objects[message_id] = SMS(" in sms
    import botocore.auth

    from local import transport

    assert "self._modify_request_before_signing(request)" in inspect.getsource(transport._original_add_auth)
    assert callable(botocore.auth.SigV4Auth.scope)
    # Decision 206: the view's own steps the transport repeats without Flask, and how views are made.
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server import werkzeug_app

    view = inspect.getsource(convert_to_flask_response.__call__)
    for step in (
        "request = normalize_request(cast(Request, flask_request))",
        "recorder._record_request(request)",
        "result = self.callback(request, request.raw_url, dict(request.headers))",
        'result = 400, {}, exc.response["Error"]["Message"]',
        "response = Response(response=content, status=status, headers=headers)",
        'if request.method == "HEAD" and "content-length" in headers:',
    ):
        assert step in view
    assert "view_func = convert_to_flask_response(handler)" in inspect.getsource(werkzeug_app.create_backend_app)
    assert "backend_app.request_class = BackendRequest" in inspect.getsource(werkzeug_app.create_backend_app)
    assert list(inspect.signature(werkzeug_app.DomainDispatcherApplication.get_application).parameters) == ["self", "environ"]


def test_handler_errors_come_back_with_their_class_name():
    class StockShortage(Exception):
        pass

    def failing(event, context):
        raise StockShortage("SKU-1 short")

    moto_patches._handlers["guard-fn"] = failing
    try:
        payload, errored, _ = moto_patches.invoke_handler("guard-fn", {"order_id": "x"})
    finally:
        del moto_patches._handlers["guard-fn"]
    assert errored
    assert '"errorType": "StockShortage"' in payload and "SKU-1 short" in payload
