"""Domain terms shown from data (body kinds, roadmap phases), marked so Babel extracts them for translation."""


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    return message


TERMS = (
    N_("都道府県"), N_("政令指定都市"), N_("市"), N_("特別区"), N_("町"), N_("村"), N_("行政区"),
    N_("実証"), N_("実装"),
)
