"""moto's validation of DynamoDB update expressions made cheaper without changing an answer
(decision 144; a sibling of local/moto_speed.py, installed by it, same pinned moto).

moto validates every update with ten tree walks over a deep copy of the parsed expression, and two of them (clause counts, overlapping paths)
re-walk the whole subtree at every UpdateExpression node of it (quadratic in the number of
actions): about two thirds of an update's CPU. Those two and the key-attribute check read
nothing but the expression, its attribute names and the table's key attributes, so once an
expression has passed them with those names on that table, they are not walked again (one that
fails is never remembered: it raises on every request, as before). The other walks, which read
the item and the values, run on every request unchanged. Each walk also rebuilt its map of node
types at every node; the types are those of its class, so they are listed once per class. And
the validator's private copy of the parsed tree is made node by node (each node's attributes,
its children copied the same way, its parent the new parent; any other value deep-copied)
instead of by `copy.deepcopy`'s generic reduce-and-memo walk: the same tree, a third of the cost.

The walks (local/moto_speed.py 17.). Each of the walks (`DepthFirstTraverser.traverse_node_recursively`, about 40 nodes per walk,
seven walks per update) asked at every node whether it is a `Node` and whether it is one of the
walk's types, both through `abc`'s instance check (the node classes are ABCs), and called the
no-op child hook of the walks that have none. The walk here visits the same nodes in the same
order, calls the same hooks and `process`, and links the processed nodes the same way; the two
answers are remembered per class of value (an ABC's answer for a class changes only when a
class is registered with it, which moto never does) and the child hook is called when the walk
overrides it.

Condition expressions (local/moto_speed.py 20.). moto parses a ConditionExpression (and a
FilterExpression) from its text on every request, twice for an UpdateItem (once in the response
to list the names and values it uses, once in the backend to evaluate it); its lexer compiles
seven regular expressions for every token. The tokens are a function of the text alone, and
nothing after the lexer changes them (each later step builds new nodes and lists), so each text's
tokens are remembered (a bounded map) and every parse gets a new deque of them; the parse that
follows, with the request's names and values, is moto's, unchanged. A text that fails to lex is
never remembered: it raises on every request.

tests/unit/test_moto_speed.py checks that refused expressions stay refused and that the copy is
deepcopy's; tests/unit/test_moto_items.py compares updates' answers with unpatched moto's.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.parsing import validators as update_validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node

_lock = threading.Lock()

_EXPRESSION_ONLY_CHECKS = (
    update_validators.ActionCountValidator,
    update_validators.OverlappingPathsValidator,
    update_validators.UpdateHashRangeKeyValidator,
)
_original_validator_init = update_validators.UpdateExpressionValidator.__init__
_original_processors = update_validators.UpdateExpressionValidator.get_ast_processors
_original_validate = update_validators.UpdateExpressionValidator.validate
# (id of the parsed expression, attribute names, table key attributes) -> the parsed expression
# (held, so its id is not reused while the entry lives), for the expressions that passed the checks
_passed_expression_checks: dict[tuple[Any, ...], Any] = {}
PASSED_CHECKS_KEPT = 4096


def _checks_key(validator: Any) -> tuple[Any, ...]:
    names = tuple(sorted((validator.expression_attribute_names or {}).items()))
    return (id(validator._oms_expression), names, tuple(validator.table.table_key_attrs))


def _validator_init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
    self._oms_expression = expression  # the shared parsed tree (never changed: the walks use a copy)
    _original_validator_init(self, expression, *args, **kwargs)


def _processors(self: Any) -> list[Any]:
    processors = _original_processors(self)
    if _checks_key(self) in _passed_expression_checks:
        return [p for p in processors if not isinstance(p, _EXPRESSION_ONLY_CHECKS)]
    return processors


def _validate(self: Any) -> Any:
    key = _checks_key(self)
    checked = key not in _passed_expression_checks
    validated = _original_validate(self)  # raises if a check fails: nothing is remembered then
    if checked:
        with _lock:
            if len(_passed_expression_checks) >= PASSED_CHECKS_KEPT:
                _passed_expression_checks.clear()
            _passed_expression_checks[key] = self._oms_expression
    return validated


_real_deepcopy = update_validators.deepcopy
_IMMUTABLE = (str, int, float, bool, type(None))


class _NotATree(Exception):
    """A node whose child names another parent: copied by deepcopy instead, as moto does."""


def _clone(node: Node, parent: Node | None) -> Node:
    new = object.__new__(type(node))
    new.__dict__ = dict(node.__dict__)
    new.parent = parent
    if node.children is not None:
        children = []
        for child in node.children:
            if isinstance(child, Node):
                if child.parent is not node:
                    raise _NotATree
                children.append(_clone(child, new))
            else:
                children.append(child if isinstance(child, _IMMUTABLE) else _real_deepcopy(child))
        new.children = children
    return new


def copy_tree(value: Any, memo: Any = None) -> Any:
    """deepcopy for the update validators: a parsed expression tree node by node (see 7. above)."""
    if isinstance(value, Node) and value.parent is None:
        try:
            return _clone(value, None)
        except _NotATree:
            pass
    return _real_deepcopy(value, memo)


_node_types_of: dict[type, tuple[type, ...]] = {}


def _nodes_to_be_processed(self: DepthFirstTraverser) -> tuple[type, ...]:
    types = _node_types_of.get(type(self))
    if types is None:
        types = _node_types_of[type(self)] = tuple(self._processing_map().keys())
    return types


_original_traverse = DepthFirstTraverser.traverse_node_recursively
_no_child_hook = DepthFirstTraverser.pre_processing_of_child
# the walk's node types -> {class of a value met: (is it a Node, is it one of those types)}
_kinds_of: dict[tuple[type, ...], dict[type, tuple[bool, bool]]] = {}


def _traverse(self: DepthFirstTraverser, node: Any, child_id: int = -1) -> Any:
    """moto's traverse_node_recursively: the same depth-first walk, its type tests remembered."""
    types = self.nodes_to_be_processed()
    kinds = _kinds_of.get(types)
    if kinds is None:
        kinds = _kinds_of.setdefault(types, {})
    hook = None if type(self).pre_processing_of_child is _no_child_hook else self.pre_processing_of_child
    return _walk(self, node, child_id, types, kinds, hook)


def _walk(self: Any, node: Any, child_id: int, types: tuple[type, ...], kinds: dict[type, tuple[bool, bool]], hook: Any) -> Any:
    kind = kinds.get(type(node))
    if kind is None:
        kind = kinds[type(node)] = (isinstance(node, Node), isinstance(node, types))
    if kind[0]:
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                if hook is not None:
                    hook(node, i)
                _walk(self, child_node, i, types, kinds, hook)
        if kind[1]:
            node = self.process(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
    return node


_original_lex = ConditionExpressionParser._lex_condition_expression
_lexed: dict[tuple[type, str | None], tuple[Any, ...]] = {}  # (parser class, expression text) -> its tokens
LEXED_KEPT = 1024


def _lex_once(self: ConditionExpressionParser) -> deque[Any]:
    key = (type(self), self.condition_expression)
    tokens = _lexed.get(key)
    if tokens is None:
        tokens = tuple(_original_lex(self))  # raises for a text that does not lex: nothing kept
        with _lock:
            if len(_lexed) >= LEXED_KEPT:
                _lexed.clear()
            _lexed[key] = tokens
    return deque(tokens)


def install() -> None:
    with _lock:
        ConditionExpressionParser._lex_condition_expression = _lex_once
        DepthFirstTraverser.traverse_node_recursively = _traverse
        update_validators.UpdateExpressionValidator.__init__ = _validator_init
        update_validators.UpdateExpressionValidator.get_ast_processors = _processors
        update_validators.UpdateExpressionValidator.validate = _validate
        DepthFirstTraverser.nodes_to_be_processed = _nodes_to_be_processed
        update_validators.deepcopy = copy_tree
