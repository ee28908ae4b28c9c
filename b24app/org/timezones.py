"""Default time zones for stores, by city and then by country.

Bitrix24 departments carry no time zone, so a store's clock is guessed from its city name
(the department one level above the store, see ``OrgSettings.level_names``) and can be
overridden per store by an admin. Names are matched casefolded with ё → е.
"""
from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

FALLBACK_TIME_ZONE = "Europe/Moscow"

CITY_TIME_ZONES: dict[str, str] = {
    # Russia
    "москва": "Europe/Moscow", "санкт-петербург": "Europe/Moscow", "казань": "Europe/Moscow",
    "нижний новгород": "Europe/Moscow", "ростов-на-дону": "Europe/Moscow",
    "краснодар": "Europe/Moscow", "воронеж": "Europe/Moscow", "ярославль": "Europe/Moscow",
    "тула": "Europe/Moscow", "сочи": "Europe/Moscow", "мурманск": "Europe/Moscow",
    "архангельск": "Europe/Moscow", "тверь": "Europe/Moscow", "владимир": "Europe/Moscow",
    "рязань": "Europe/Moscow", "калуга": "Europe/Moscow", "смоленск": "Europe/Moscow",
    "брянск": "Europe/Moscow", "курск": "Europe/Moscow", "белгород": "Europe/Moscow",
    "липецк": "Europe/Moscow", "тамбов": "Europe/Moscow", "пенза": "Europe/Moscow",
    "чебоксары": "Europe/Moscow", "киров": "Europe/Kirov", "великий новгород": "Europe/Moscow",
    "псков": "Europe/Moscow", "петрозаводск": "Europe/Moscow", "вологда": "Europe/Moscow",
    "ставрополь": "Europe/Moscow", "махачкала": "Europe/Moscow", "симферополь": "Europe/Simferopol",
    "калининград": "Europe/Kaliningrad",
    "самара": "Europe/Samara", "тольятти": "Europe/Samara", "ижевск": "Europe/Samara",
    "ульяновск": "Europe/Ulyanovsk", "саратов": "Europe/Saratov", "астрахань": "Europe/Astrakhan",
    "волгоград": "Europe/Volgograd",
    "екатеринбург": "Asia/Yekaterinburg", "челябинск": "Asia/Yekaterinburg",
    "пермь": "Asia/Yekaterinburg", "уфа": "Asia/Yekaterinburg", "тюмень": "Asia/Yekaterinburg",
    "оренбург": "Asia/Yekaterinburg", "курган": "Asia/Yekaterinburg",
    "сургут": "Asia/Yekaterinburg", "магнитогорск": "Asia/Yekaterinburg",
    "омск": "Asia/Omsk",
    "новосибирск": "Asia/Novosibirsk", "барнаул": "Asia/Barnaul", "томск": "Asia/Tomsk",
    "новокузнецк": "Asia/Novokuznetsk", "кемерово": "Asia/Novokuznetsk",
    "красноярск": "Asia/Krasnoyarsk", "абакан": "Asia/Krasnoyarsk", "норильск": "Asia/Krasnoyarsk",
    "иркутск": "Asia/Irkutsk", "улан-удэ": "Asia/Irkutsk", "братск": "Asia/Irkutsk",
    "чита": "Asia/Chita", "якутск": "Asia/Yakutsk", "благовещенск": "Asia/Yakutsk",
    "владивосток": "Asia/Vladivostok", "хабаровск": "Asia/Vladivostok",
    "находка": "Asia/Vladivostok", "южно-сахалинск": "Asia/Sakhalin", "магадан": "Asia/Magadan",
    "петропавловск-камчатский": "Asia/Kamchatka", "анадырь": "Asia/Anadyr",
    # Kazakhstan (one zone, UTC+5, since 2024-03-01; tzdata models it per region)
    "алматы": "Asia/Almaty", "астана": "Asia/Almaty", "шымкент": "Asia/Almaty",
    "караганда": "Asia/Almaty", "павлодар": "Asia/Almaty", "усть-каменогорск": "Asia/Almaty",
    "семей": "Asia/Almaty", "тараз": "Asia/Almaty", "костанай": "Asia/Qostanay",
    "актобе": "Asia/Aqtobe", "атырау": "Asia/Atyrau", "актау": "Asia/Aqtau",
    "уральск": "Asia/Oral", "кызылорда": "Asia/Qyzylorda", "петропавловск": "Asia/Almaty",
    # Belarus
    "минск": "Europe/Minsk", "гомель": "Europe/Minsk", "могилев": "Europe/Minsk",
    "витебск": "Europe/Minsk", "гродно": "Europe/Minsk", "брест": "Europe/Minsk",
    "бобруйск": "Europe/Minsk", "барановичи": "Europe/Minsk",
}

COUNTRY_TIME_ZONES: dict[str, str] = {
    "россия": "Europe/Moscow", "российская федерация": "Europe/Moscow", "russia": "Europe/Moscow",
    "казахстан": "Asia/Almaty", "kazakhstan": "Asia/Almaty",
    "беларусь": "Europe/Minsk", "белоруссия": "Europe/Minsk", "belarus": "Europe/Minsk",
}


_CITY_PREFIXES = ("г. ", "г.", "город ")


def _norm(name: str) -> str:
    key = " ".join(name.split()).casefold().replace("ё", "е")
    for prefix in _CITY_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):].strip()
    return key


def default_time_zone(city: str, country: str = "") -> str:
    """Return the IANA zone for a city, else its country, else Moscow."""
    return (CITY_TIME_ZONES.get(_norm(city)) or COUNTRY_TIME_ZONES.get(_norm(country))
            or FALLBACK_TIME_ZONE)


def is_valid_time_zone(name: str) -> bool:
    """Return True when ``name`` is an IANA zone this machine knows."""
    if name not in available_timezones():
        return False
    ZoneInfo(name)
    return True


# The chain's zones (Russia west to east, then Belarus and Kazakhstan), offered first on
# settings pages; every other IANA zone follows them.
COMMON_TIME_ZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
                     "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk",
                     "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka",
                     "Europe/Minsk", "Asia/Almaty", "Asia/Oral")


@cache
def valid_time_zones() -> tuple[str, ...]:
    """Return every IANA zone name zoneinfo knows, sorted (``Europe/Moscow``, ``UTC``...)."""
    return tuple(sorted(available_timezones()))


def time_zone_choices() -> tuple[list[str], list[str]]:
    """Return (the chain's common zones, every other zone) for a settings page's select."""
    known = set(valid_time_zones())
    common = [zone for zone in COMMON_TIME_ZONES if zone in known]
    return common, [zone for zone in valid_time_zones() if zone not in set(common)]
