"""What goes back to the channels after the outbound note (issue 13, the write-back part).

  carriers          the platforms' codes for oms's carriers (shared/data/carrier_codes.json)
  carrier_strategy  快递策略: carrier and service per package, rules as data (carrier_strategy.json)
  domain            write-back requests and records, stock pushes, their states
  channels/         each platform's call shape: logistics send / fulfillment, stock update
  usecases/         request a write-back on ParcelShipped, deliver it with retries, list and
                    redrive the failed ones; push available stock to the channels, coalesced
  aws/              the channel sync table and the per-channel write-back queues
"""
