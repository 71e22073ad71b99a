"""Routing what-if: a candidate routing policy (rate cards, strategy, split limit, carrier rules)
replayed on orders, side by side with the policy in force, priced in yuan, with the exact cost
optimum as the reference. Reads only.

  candidate  the candidate as a request states it: changes to the shipped configuration, checked
             and built into a network (an inconsistent candidate is refused naming each problem)
  replay     the pure comparison: each order routed under both networks on the same stock
  usecase    the last N stored orders, the warehouses and their stock, through the stores
"""
