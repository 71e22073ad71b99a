"""What an order needs, as the optimiser sees it: one item per SKU, or one per kit when the
strategy keeps kit lines together; each with its weight and handling requirements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.routing.model import ShortLine, Unroutable
from shared.routing.network import Network, Site, Strategy
from shared.routing.optimiser import Item

Stock = Mapping[tuple[str, str], int]  # (warehouse id, sku) -> available units


@dataclass(frozen=True, slots=True)
class Demand:
    items: tuple[Item, ...]
    parts: tuple[tuple[tuple[str, int], ...], ...]  # per item: the (sku, quantity) lines it stands for
    kit_ids: tuple[str | None, ...]
    requires: tuple[frozenset[str], ...]
    assumed_weights: tuple[str, ...]  # SKUs the catalogue lacks
    plain: tuple[tuple[str, int], ...] | None = None  # per item its one (sku, quantity) line, when no item is a kit or needs a capability

    @classmethod
    def of(cls, requested: Mapping[str, int], network: Network, strategy: Strategy) -> Demand:
        items: list[Item] = []
        parts: list[tuple[tuple[str, int], ...]] = []
        kit_ids: list[str | None] = []
        requires: list[frozenset[str]] = []
        assumed: list[str] = []
        info = {sku: network.catalogue.info(sku) for sku in sorted(requested)}
        by_kit: dict[str, list[str]] = {}
        for sku, (sku_info, _) in info.items():
            if strategy.keep_kits_together and sku_info.kit_id:
                by_kit.setdefault(sku_info.kit_id, []).append(sku)
        kits = {kit: skus for kit, skus in by_kit.items() if len(skus) > 1}
        in_kit = {sku: kit for kit, skus in kits.items() for sku in skus}
        for sku, (sku_info, is_assumed) in info.items():
            if is_assumed:
                assumed.append(sku)
            if sku in in_kit:
                continue
            items.append(Item(quantity=requested[sku], unit_g=sku_info.weight_g, splittable=strategy.split_quantities))
            parts.append(((sku, requested[sku]),))
            kit_ids.append(None)
            requires.append(sku_info.requires)
        for kit, skus in sorted(kits.items()):
            # A kit travels as one piece: one unit of the item is every line of the kit.
            items.append(Item(quantity=1, unit_g=sum(info[s][0].weight_g * requested[s] for s in skus), splittable=False))
            parts.append(tuple((s, requested[s]) for s in skus))
            kit_ids.append(kit)
            requires.append(frozenset().union(*(info[s][0].requires for s in skus)))
        plain = tuple(lines[0] for lines in parts) if all(len(lines) == 1 for lines in parts) and not any(requires) else None
        return cls(tuple(items), tuple(parts), tuple(kit_ids), tuple(requires), tuple(assumed), plain)

    def availability(self, site: Site, stock: Stock) -> tuple[int, ...]:
        """Per item, the units this warehouse can ship (at most what the order needs)."""
        warehouse, get = site.warehouse_id, stock.get
        if self.plain is not None:  # min(quantity, held) per line
            return tuple([quantity if (held := get((warehouse, sku), 0)) >= quantity else held for sku, quantity in self.plain])
        out = []
        capabilities = site.capabilities
        for item, lines, needs in zip(self.items, self.parts, self.requires):
            if needs and not needs <= capabilities:
                out.append(0)
            elif len(lines) == 1:
                held, quantity = get((warehouse, lines[0][0]), 0), item.quantity
                out.append(quantity if held >= quantity else held)  # min(quantity, held)
            else:
                out.append(int(all(get((warehouse, s), 0) >= q for s, q in lines)))
        return tuple(out)

    def why_nothing(self, site: Site, stock: Stock) -> str:
        lacking = sorted({cap for needs in self.requires for cap in needs - site.capabilities})
        held = any(stock.get((site.warehouse_id, sku), 0) > 0 for lines in self.parts for sku, _ in lines)
        if held and lacking:
            return f"holds stock but lacks {', '.join(lacking)}"
        return "holds none of the order's stock"

    def shortages(self, eligible: Sequence[tuple[Site, tuple[int, ...]]], allowed: Sequence[Site], stock: Stock) -> Unroutable | None:
        """Unroutable when the eligible warehouses together cannot cover an item; the short lines
        say what every allowed warehouse holds."""
        columns = zip(*(holding for _, holding in eligible)) if eligible else [()] * len(self.items)  # per item, what each eligible warehouse holds
        uncovered = [i for i, (item, held) in enumerate(zip(self.items, columns)) if (sum if item.splittable else _max)(held) < item.quantity]
        if not uncovered:
            return None
        lines = self.short_lines(allowed, stock, only_short=True)
        if lines:
            return Unroutable(reason="not enough stock", short_lines=lines)
        kits = [self.kit_ids[i] for i in uncovered if self.kit_ids[i]]
        reason = (
            f"no warehouse holds every line of kit {', '.join(kits)}"  # type: ignore[arg-type]  # the kits named, never None
            if kits
            else "no single warehouse holds a whole line and the strategy does not split quantities"
        )
        skus = {sku for i in uncovered for sku, _ in self.parts[i]}
        return Unroutable(reason=reason, short_lines=[s for s in self.short_lines(allowed, stock, only_short=False) if s.sku in skus])

    def short_lines(self, sites: Sequence[Site], stock: Stock, only_short: bool) -> list[ShortLine]:
        out = []
        for lines, needs in zip(self.parts, self.requires):
            for sku, requested in lines:
                held = [stock.get((site.warehouse_id, sku), 0) for site in sites if needs <= site.capabilities]
                line = ShortLine(sku=sku, requested=requested, best_single_warehouse=max(held, default=0), available_in_total=sum(held))
                if not only_short or line.available_in_total < requested:
                    out.append(line)
        return sorted(out, key=lambda s: s.sku)

    def lines_for(self, item_index: int, units: int) -> list[tuple[str, int]]:
        lines = self.parts[item_index]
        if self.kit_ids[item_index] is None:
            return [(lines[0][0], units)] if units else []
        return list(lines) if units else []


def _max(values) -> int:
    return max(values, default=0)
