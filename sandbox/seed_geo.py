"""The seeded chain's geography: countries → regions → cities, with time zones and malls."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    time_zone: str
    weight: int                 # relative share of the chain's stores
    malls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    name: str
    cities: tuple[City, ...]


@dataclass(frozen=True)
class Country:
    name: str
    phone_prefix: str           # E.164 prefix of mobile numbers
    mobile_codes: tuple[str, ...]
    regions: tuple[Region, ...]


GEOGRAPHY: tuple[Country, ...] = (
    Country("Россия", "+7", ("900", "903", "905", "909", "915", "916", "926", "953", "977", "985"), (
        Region("Центральный регион", (
            City("Москва", "Europe/Moscow", 40, ("ТЦ Авиапарк", "ТРЦ Европейский", "ТЦ Метрополис",
                                                 "ТРЦ Афимолл Сити", "ТЦ Атриум", "ТРЦ Океания")),
            City("Тула", "Europe/Moscow", 3, ("ТРЦ Макси",)),
            City("Воронеж", "Europe/Moscow", 4, ("ТРЦ Галерея Чижова",)),
            City("Ярославль", "Europe/Moscow", 3, ("ТРЦ Аура",)),
        )),
        Region("Северо-Западный регион", (
            City("Санкт-Петербург", "Europe/Moscow", 20, ("ТРЦ Галерея", "ТРК Питерлэнд", "ТРЦ Гранд Каньон")),
            City("Калининград", "Europe/Kaliningrad", 4, ("ТРЦ Европа",)),
            City("Мурманск", "Europe/Moscow", 2, ()),
        )),
        Region("Приволжский регион", (
            City("Нижний Новгород", "Europe/Moscow", 6, ("ТРЦ Фантастика",)),
            City("Казань", "Europe/Moscow", 7, ("ТРЦ Мега Казань", "ТЦ Кольцо")),
            City("Самара", "Europe/Samara", 5, ("ТРК Космопорт",)),
            City("Уфа", "Asia/Yekaterinburg", 4, ("ТРЦ Планета",)),
        )),
        Region("Южный регион", (
            City("Краснодар", "Europe/Moscow", 7, ("ТРЦ Красная Площадь", "ТРЦ OZ Молл")),
            City("Ростов-на-Дону", "Europe/Moscow", 6, ("ТРЦ Горизонт",)),
            City("Волгоград", "Europe/Volgograd", 3, ()),
        )),
        Region("Уральский регион", (
            City("Екатеринбург", "Asia/Yekaterinburg", 8, ("ТРЦ Гринвич", "ТРЦ Мега Екатеринбург")),
            City("Челябинск", "Asia/Yekaterinburg", 5, ("ТРК Родник",)),
            City("Тюмень", "Asia/Yekaterinburg", 3, ()),
        )),
        Region("Сибирский регион", (
            City("Новосибирск", "Asia/Novosibirsk", 7, ("ТРЦ Аура", "ТРЦ Галерея Новосибирск")),
            City("Омск", "Asia/Omsk", 3, ("ТРЦ Мега Омск",)),
            City("Красноярск", "Asia/Krasnoyarsk", 4, ("ТРЦ Планета",)),
            City("Иркутск", "Asia/Irkutsk", 3, ()),
        )),
        Region("Дальневосточный регион", (
            City("Владивосток", "Asia/Vladivostok", 3, ("ТЦ Калина Молл",)),
            City("Хабаровск", "Asia/Vladivostok", 3, ()),
        )),
    )),
    Country("Казахстан", "+7", ("701", "702", "705", "707", "747", "771", "775", "777"), (
        Region("Южный Казахстан", (
            City("Алматы", "Asia/Almaty", 6, ("ТРЦ Mega Alma-Ata", "ТРЦ Dostyk Plaza")),
            City("Шымкент", "Asia/Almaty", 2, ()),
        )),
        Region("Северный Казахстан", (
            City("Астана", "Asia/Almaty", 4, ("ТРЦ Хан Шатыр", "ТРЦ Керуен")),
            City("Караганда", "Asia/Almaty", 2, ()),
        )),
    )),
    Country("Беларусь", "+375", ("29", "33", "44", "25"), (
        Region("Минский регион", (
            City("Минск", "Europe/Minsk", 6, ("ТРЦ Galleria Minsk", "ТРЦ Dana Mall", "ТЦ Арена-сити")),
            City("Борисов", "Europe/Minsk", 1, ()),
        )),
        Region("Западный регион Беларуси", (
            City("Брест", "Europe/Minsk", 2, ()),
            City("Гродно", "Europe/Minsk", 2, ("ТРЦ Тринити",)),
        )),
    )),
)


def all_cities() -> list[tuple[Country, Region, City]]:
    """Every city with its country and region, in a fixed order."""
    return [(country, region, city)
            for country in GEOGRAPHY for region in country.regions for city in region.cities]
