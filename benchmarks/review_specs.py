"""The written specifications of the labelled review set: each kind of order a multi-channel
retailer's operations team sees, clean or in error, with a real-world example and how often it
occurs. Written from what operations see before any rule was tuned to it; the generator
(benchmarks/review_samples.py) turns each specification into orders, and docs/review.md shows
this table.

A clean kind is an order that must go through (APPROVED; a FLAG is fine). An error kind is an
order a person must stop: it is caught when the order is not approved and one of `expect` fired.
`per_1000` is how many orders of the kind a thousand orders hold (clean kinds) or the count of
orders of the kind in the whole set (error kinds, `count`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    kind: str
    error: bool
    description: str
    example: str
    share: float = 0.0  # clean kinds: share of the clean orders
    count: int = 0  # error kinds: orders of this kind in the set
    expect: tuple[str, ...] = ()  # error kinds: the rules that should stop it


CLEAN = (
    Spec("plain_domestic", False, "An ordinary paid consumer order inside the mainland", "天猫 tb_8841 买龙井 2 盒，寄 浙江省 杭州市 西湖区 文三路 90 号", share=0.30),
    Spec("gift_zero_price", False, "A free gift (赠品) as its own line at price 0, marked as a gift by the platform", "抖音 买紫砂壶送茶盘：TRAY-BAMBOO-L 单价 0.00、赠品", share=0.06),
    Spec("gift_full_discount", False, "A gift line at list price with a discount of its whole amount, marked as a gift", "天猫 CUP-CELADON-6PK 89.00 × 1，优惠 89.00（赠品）", share=0.03),
    Spec("shipping_in_total", False, "The declared total includes the freight the buyer pays", "京东 订单 168.00 + 运费 12.00，orderPayment 180.00", share=0.08),
    Spec("order_coupon", False, "A shop coupon on the whole order, not spread over the lines", "天猫 店铺券满 300 减 30：明细 336.00，实付 306.00", share=0.05),
    Spec("overseas_us", False, "A Shopify order in USD to the United States: state, ZIP, +1 phone, shipping and sales tax in the total", "Shopify USD 2 × TEA-LONGJING 24.99 to Houston, TX 77002, +1 713-555-0142, shipping 9.90, tax 4.12", share=0.035),
    Spec("overseas_other", False, "A Shopify order in the buyer's currency to Canada, the UK, Germany, Japan or Australia", "Shopify CAD to Toronto ON M5V 2T6; GBP to London SW1A 1AA; JPY to 東京都 100-0005", share=0.02),
    Spec("hk_mo_tw", False, "A receiver in Hong Kong, Macau or Taiwan with the local phone format", "香港 九龙 旺角 +852 9123 4567；澳门 +853 6612 3456；台湾 台北市 0912-345-678", share=0.03),
    Spec("fullwidth", False, "Full-width digits and letters in the phone or address (typed on a Chinese IME)", "电话 １８３１２３４５６７８，详细地址 人民路１２号３栋", share=0.03),
    Spec("province_variant", False, "A province written short or with the wrong suffix", "内蒙 呼和浩特；广西省 南宁市；宁夏回族 银川；黑龙江 哈尔滨", share=0.03),
    Spec("phone_formats", False, "A valid mainland phone in another format: +86, spaces, dashes, landline with extension", "+86 139 1234 5678；0755-8888 1234 转 806", share=0.06),
    Spec("municipality_city", False, "A municipality written with 市辖区 or its own name in the city field", "上海 市辖区 浦东新区；北京 北京 朝阳区", share=0.03),
    Spec("remote_area", False, "A remote area (flagged for the carrier, not held)", "新疆 乌鲁木齐市 天山区", share=0.02),
    Spec("cod", False, "Cash on delivery (货到付款), unpaid by design", "京东 货到付款 茶盘 1 个", share=0.03),
    Spec("vat_invoice", False, "A VAT special invoice with the company's registered name and credit code", "专票 抬头 杭州云和茶业有限公司，税号 91330100…", share=0.05),
    Spec("b2b_bulk_credit", False, "A distributor's bulk order 6–15× a consumer's quantity, on credit, within its limit", "ERP B2B-YUNHE 赊账 TEA-PUER-357G × 120（额度 120,000，欠款 0）", share=0.03),
    Spec("repeat_buyer", False, "The same buyer orders again within the hour, other items (合单 candidate, flagged)", "自营商城 C-2231 14:02 买茶叶，14:40 加买茶杯", share=0.03),
    Spec("household", False, "Two family members, two accounts and phones, one address, the same evening, different items", "丈夫 13912345678 买普洱，妻子 13698765432 买茶盘，同一地址", share=0.015),
    Spec("development_zone", False, "A development zone written as the district (not in the division table)", "江苏省 苏州市 工业园区；四川省 成都市 高新区", share=0.02),
    Spec("cross_border_with_id", False, "A cross-border import parcel with the payer's valid ID number", "天猫国际 订购人身份证 330106199001011234（校验位正确）", share=0.02),
    Spec("latin_name", False, "A receiver name in Latin letters inside China", "Receiver: Tom Li, 上海 徐汇区", share=0.015),
    Spec("partner_plain", False, "A partner (distributor platform) order, paid, ordinary", "partner 渠道 分销商代下单 礼盒 2 盒", share=0.04),
)

ERRORS = (
    Spec("price_too_low", True, "A price typed wrong: far under the floor (a digit dropped)", "龙井 168.00 录成 16.80", count=10, expect=("price.below_floor",)),
    Spec("price_too_high", True, "A price typed wrong: over the ceiling (an extra digit)", "茶盘 159.00 录成 1590.00", count=8, expect=("price.above_ceiling",)),
    Spec("zero_price_not_gift", True, "A line at price 0 that the platform does not mark as a gift", "抖音 紫砂壶 0.00，无赠品标记", count=8, expect=("line.price.positive",)),
    Spec("gift_only", True, "An order of gifts only: nothing bought (gift abuse)", "只下赠品：茶盘 0.00 赠品 × 3", count=6, expect=("price.gift.without_purchase",)),
    Spec("discount_too_deep", True, "A discount beyond what the shop allows", "月饼礼盒 258.00 折扣 40%", count=8, expect=("price.discount.limit", "price.discount.sku_limit")),
    Spec("total_mismatch", True, "The declared total does not match lines + shipping − coupon", "明细 336.00 + 运费 0，实付 386.00", count=8, expect=("price.total.consistent",)),
    Spec("overseas_price_wrong", True, "A foreign-currency price that is far under the floor once converted", "Shopify TEA-BAIHAO 3.88 USD (should be 54.99)", count=6, expect=("price.below_floor",)),
    Spec("detail_pickup", True, "The detail line says store pickup (门店自提) on a delivery order", "详细地址：门店自提", count=8, expect=("address.detail.deliverable",)),
    Spec("detail_po_box", True, "A post-office box couriers cannot deliver to", "邮政信箱 2048 号；P.O. Box 1234", count=7, expect=("address.detail.deliverable",)),
    Spec("detail_see_remark", True, "The address is in the buyer's note, not the detail line", "详细地址：详见备注", count=7, expect=("address.detail.deliverable",)),
    Spec("detail_bare_number", True, "The detail line is a bare number or too short to find a door", "详细地址：123", count=7, expect=("address.detail.deliverable",)),
    Spec("address_incomplete", True, "A required address part is empty", "没有收货人电话", count=6, expect=("address.complete",)),
    Spec("city_wrong_province", True, "The city is not in the province", "浙江省 成都市 武侯区", count=6, expect=("address.city.in_province",)),
    Spec("district_wrong_city", True, "The district is not in the city", "广东省 广州市 西湖区", count=6, expect=("address.district.in_city",)),
    Spec("overseas_bad_address", True, "An overseas address with a state or postal code that does not exist there", "Houston, TX 7700 (four-digit ZIP); state 'Texsa'", count=6, expect=("address.overseas.region", "address.overseas.postal_code")),
    Spec("fake_phone", True, "A placeholder phone: all zeros, one digit repeated, a counting sequence", "00000000000；11111111111；12345678901", count=10, expect=("address.phone.fake",)),
    Spec("phone_malformed", True, "A phone that is no number anywhere (too short, wrong prefix)", "138123456；2345678901", count=7, expect=("address.phone.format",)),
    Spec("emoji_name", True, "The receiver name is emoji or symbols only: the courier cannot ask for anyone", "收货人：🌸🌸；收货人：😊", count=8, expect=("address.name.readable",)),
    Spec("double_submission", True, "The same buyer submits the same order twice within minutes", "自营商城 C-5512 20:01 与 20:03 同样的两单", count=8, expect=("duplicate.same_lines",)),
    Spec("cross_channel_duplicate", True, "One order arrives twice: from the platform and re-keyed in the ERP hours later (other buyer id, same phone, address, items)", "天猫 tid 3021… 与 ERP 补录单，同电话同地址同商品", count=10, expect=("duplicate.same_lines",)),
    Spec("address_burst", True, "A scalper's accounts buy the same promotion item to one address within the hour (every order of the burst)", "5 个账号 1 小时内抢购同款秒杀，寄同一地址", count=15, expect=("risk.address.burst",)),
    Spec("quantity_spike", True, "A consumer orders far more than anyone usually does", "茶盘 × 200（常见 5）", count=6, expect=("risk.quantity.sku", "risk.quantity.buyer")),
    Spec("over_credit", True, "A B2B order on credit beyond the account's limit", "B2B-MINGDE 额度 50,000，欠款 47,800，本单 2,720", count=8, expect=("credit.limit",)),
    Spec("b2b_no_account", True, "A business buyer on credit without a credit account", "新企业客户 未付款 无信用账户", count=6, expect=("credit.no_account",)),
    Spec("unpaid", True, "An unpaid consumer order, not cash on delivery", "待付款订单被推送", count=6, expect=("payment.unpaid",)),
    Spec("buyer_blacklisted", True, "A blacklisted buyer account", "jd_fraud_ring_01", count=5, expect=("risk.blacklist.buyer",)),
    Spec("phone_blacklisted", True, "A blacklisted phone, written in another format", "+86 170 0000 0000", count=6, expect=("risk.blacklist.phone",)),
    Spec("address_blacklisted", True, "A blacklisted forwarding warehouse, written differently", "广东 深圳 宝安区 福永街道凤凰工业区８栋仓库", count=6, expect=("risk.blacklist.address",)),
    Spec("credit_code_mismatch", True, "A valid credit code paired with another company's name on a VAT invoice", "抬头 明德商贸，税号属于 华信茶业", count=8, expect=("invoice.tax_id.company",)),
    Spec("tax_id_typo", True, "A credit code with one character wrong (check character fails)", "91330100MA2XXXX1X7 → …X8", count=6, expect=("invoice.tax_id.valid",)),
    Spec("invoice_no_title", True, "An invoice requested without a title", "发票抬头为空", count=5, expect=("invoice.title.present",)),
    Spec("vat_without_tax_id", True, "A VAT special invoice without a credit code", "专票 无税号", count=5, expect=("invoice.tax_id.required",)),
    Spec("invoice_amount_wrong", True, "The invoice amount differs from what the buyer pays", "实付 306.00，开票 612.00", count=5, expect=("invoice.amount.matches",)),
    Spec("cross_border_no_id", True, "A cross-border import parcel without the payer's ID number", "天猫国际 无订购人身份证", count=6, expect=("customs.id_number.required",)),
    Spec("cross_border_bad_id", True, "A cross-border parcel with an ID number whose check digit is wrong", "身份证 330106199001011235", count=6, expect=("customs.id_number.valid",)),
    Spec("zero_quantity", True, "A line with quantity 0 (a cancelled line sent on)", "数量 0", count=5, expect=("line.quantity.positive",)),
)

SPECS = {s.kind: s for s in CLEAN + ERRORS}
