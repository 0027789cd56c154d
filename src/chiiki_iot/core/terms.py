"""Domain terms shown from data (body kinds, roadmap phases), marked so Babel extracts them for translation."""


def N_(message: str) -> str:
    return message


TERMS = (
    N_("都道府県"),
    N_("政令指定都市"),
    N_("市"),
    N_("特別区"),
    N_("町"),
    N_("村"),
    N_("行政区"),
    N_("実証"),
    N_("実装"),
    # The implementation ladder and the barriers (adoption.ladder), written out so Babel extracts them.
    N_("未着手"),
    N_("関心あり"),
    N_("検討中"),
    N_("実証中"),
    N_("実装済"),
    N_("中止・休止"),
    N_("予算の制約"),
    N_("利用イメージ・効果の見える化"),
    N_("人材の不足"),
    N_("官民が連携した推進体制"),
    N_("その他"),
    # KPI ratings (progress.kpi.Rating).
    N_("達成"),
    N_("順調"),
    N_("要注意"),
    N_("遅延"),
    N_("評価なし"),
    # Outreach (outreach.service): event categories, statuses and the three threads.
    N_("地域ブロック説明会等"),
    N_("地方6団体説明会等"),
    N_("自治体説明会等"),
    N_("予定"),
    N_("開催済"),
    N_("中止"),
    N_("縦の糸"),
    N_("横の糸"),
    N_("斜めの糸"),
    N_("府省"),
    N_("地方六団体"),
    N_("業界団体"),
    N_("情報通信懇談会・協議会"),
    N_("企業"),
    N_("大学"),
    N_("NPO"),
)
