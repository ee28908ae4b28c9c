"""A deterministic retail chain: company → countries → regions → cities → stores, with staff.

What the app can rely on (all readable through department.get and user.get):
- a store is a department whose NAME starts with "Магазин "; its PARENT is the city department,
  whose NAME is the city; the city's parent is a region, the region's parent a country, the
  country's parent the company root;
- UF_HEAD of a store is its manager; a city department has a head only when it has several
  stores; regions, countries, the root and HQ departments always have heads;
- every user has TIME_ZONE (IANA name) and PERSONAL_CITY; store staff carry their store's city
  time zone, HQ staff Moscow's;
- WORK_POSITION uses the POSITION_* values below, with a few spelling variants
  (POSITION_VARIANTS) in a small share of users, as people type them in real portals.
"""
from __future__ import annotations

import hashlib
import random
import string
from collections import Counter
from datetime import datetime, timedelta

from .clock import PORTAL_TZ
from .seed_geo import City, Country, Region, all_cities
from .seed_names import PersonName, random_name, transliterate
from .state import Department, DiskObject, Portal, Storage, User, Webhook

COMPANY_NAME = "Торговая сеть «Уютный дом»"
EMAIL_DOMAIN = "uyutdom.ru"
HQ_TIME_ZONE = "Europe/Moscow"
HQ_CITY = "Москва"

POSITION_MANAGER = "Управляющий магазином"
POSITION_DEPUTY = "Заместитель управляющего"
POSITION_ADMINISTRATOR = "Администратор магазина"
POSITION_SALES = "Продавец-консультант"
POSITION_CASHIER = "Кассир"
POSITION_CITY_HEAD = "Территориальный управляющий"
POSITION_REGION_HEAD = "Региональный директор"
POSITION_COUNTRY_HEAD = "Директор по стране"
POSITION_HR = "Менеджер по персоналу"
POSITION_MERCHANDISER = "Мерчандайзер"

# Spelling variants that real users type; the app must group them with the canonical value.
POSITION_VARIANTS: dict[str, tuple[str, ...]] = {
    POSITION_MANAGER: ("управляющий магазином ", "Управляющий  магазином", "Управляющий магазином "),
    POSITION_DEPUTY: ("Заместитель управляющего ", "заместитель управляющего"),
    POSITION_ADMINISTRATOR: ("Администратор магазина ", "администратор магазина"),
    POSITION_SALES: ("Продавец консультант", "продавец-консультант"),
    POSITION_CASHIER: ("Кассир ", "кассир"),
}
VARIANT_SHARE = 0.04
DISMISSED_SHARE = 0.02          # share of sales staff already dismissed (ACTIVE false)


def build_portal(stores: int = 250, seed: int = 7) -> Portal:
    """Build the seeded portal; the same arguments always give the same portal."""
    if stores < 1:
        raise ValueError("stores must be at least 1")
    digest = hashlib.md5(f"store-ops-sandbox-{seed}".encode()).hexdigest()
    portal = Portal(member_id=digest, domain="storeops.bitrix24.ru")
    _ChainBuilder(portal, random.Random(seed)).build(stores)
    return portal


class _ChainBuilder:
    def __init__(self, portal: Portal, rng: random.Random) -> None:
        self.portal = portal
        self.rng = rng
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.register_base = datetime(2019, 3, 1, 9, 0, tzinfo=PORTAL_TZ)

    def build(self, stores: int) -> None:
        root = self._department(COMPANY_NAME, None, sort=100)
        hr = self._department("Отдел персонала", root, sort=200)
        merch = self._department("Отдел мерчандайзинга", root, sort=300)
        operations = self._department("Операционный отдел", root, sort=400)
        self._hq_user("Системный администратор", operations, is_admin=True)   # user ID 1
        self._set_head(root, self._hq_user("Генеральный директор", root))
        self._set_head(hr, self._hq_user(POSITION_HR, hr))
        self._hq_user(POSITION_HR, hr)
        self._set_head(merch, self._hq_user(POSITION_MERCHANDISER, merch))
        for _ in range(2):
            self._hq_user(POSITION_MERCHANDISER, merch)
        self._set_head(operations, self._hq_user("Операционный директор", operations))
        for position in ("Специалист операционного отдела", "Аналитик", "Специалист по закупкам"):
            self._hq_user(position, operations)
        self._build_geography(root, _allocate_stores(stores, self.rng))
        self._common_storage()
        self._admin_webhook()

    def _build_geography(self, root: int, per_city: Counter[str]) -> None:
        last_country = last_region = ""
        country_id = region_id = 0
        for country, region, city in all_cities():
            count = per_city.get(city.name, 0)
            if not count:
                continue
            if country.name != last_country:
                country_id = self._department(country.name, root)
                head = self._person(POSITION_COUNTRY_HEAD, country_id, city, country)
                self._set_head(country_id, head)
                last_country, last_region = country.name, ""
            if region.name != last_region:
                region_id = self._department(region.name, country_id)
                self._set_head(region_id, self._person(POSITION_REGION_HEAD, region_id, city, country))
                last_region = region.name
            city_id = self._department(city.name, region_id)
            if count > 1:
                self._set_head(city_id, self._person(POSITION_CITY_HEAD, city_id, city, country))
            for number in range(1, count + 1):
                self._store(city_id, city, country, number)

    def _store(self, city_id: int, city: City, country: Country, number: int) -> None:
        if number <= len(city.malls):
            name = f"Магазин {city.malls[number - 1]} ({city.name})"
        else:
            name = f"Магазин {city.name}-{number}"
        store_id = self._department(name, city_id)
        self._set_head(store_id, self._person(POSITION_MANAGER, store_id, city, country))
        for _ in range(self.rng.randint(1, 2)):
            self._person(POSITION_DEPUTY, store_id, city, country)
        self._person(POSITION_ADMINISTRATOR, store_id, city, country)
        for _ in range(self.rng.randint(4, 8)):
            position = POSITION_CASHIER if self.rng.random() < 0.25 else POSITION_SALES
            active = self.rng.random() >= DISMISSED_SHARE
            self._person(position, store_id, city, country, active=active)

    def _department(self, name: str, parent: int | None, sort: int = 500) -> int:
        dep_id = self.portal.new_id("department")
        self.portal.departments[dep_id] = Department(dep_id, name, parent, sort)
        return dep_id

    def _set_head(self, department_id: int, user_id: int) -> None:
        self.portal.departments[department_id].head = user_id

    def _hq_user(self, position: str, department_id: int, is_admin: bool = False) -> int:
        return self._user(random_name(self.rng), position, department_id, HQ_TIME_ZONE, HQ_CITY,
                          "+7", ("916", "926", "985"), is_admin=is_admin)

    def _person(self, position: str, department_id: int, city: City, country: Country,
                active: bool = True) -> int:
        if position in POSITION_VARIANTS and self.rng.random() < VARIANT_SHARE:
            position = self.rng.choice(POSITION_VARIANTS[position])
        return self._user(random_name(self.rng), position, department_id, city.time_zone,
                          city.name, country.phone_prefix, country.mobile_codes, active=active)

    def _user(self, name: PersonName, position: str, department_id: int, time_zone: str,
              city: str, phone_prefix: str, mobile_codes: tuple[str, ...],
              is_admin: bool = False, active: bool = True) -> int:
        user_id = self.portal.new_id("user")
        birthday = datetime(1965, 1, 1) + timedelta(days=self.rng.randint(0, 14000))
        self.portal.users[user_id] = User(
            id=user_id, email=self._email(name), name=name.first, last_name=name.last,
            second_name=name.patronymic, work_position=position, departments=[department_id],
            active=active, is_admin=is_admin, personal_mobile=self._phone(phone_prefix, mobile_codes),
            personal_birthday=birthday.strftime("%Y-%m-%d"), time_zone=time_zone,
            date_register=self.register_base + timedelta(days=self.rng.randint(0, 2200)),
            extra={"PERSONAL_CITY": city, "PERSONAL_GENDER": name.gender})
        return user_id

    def _email(self, name: PersonName) -> str:
        base = f"{transliterate(name.first)}.{transliterate(name.last)}"
        candidate, suffix = base, 1
        while candidate in self.emails:
            suffix += 1
            candidate = f"{base}{suffix}"
        self.emails.add(candidate)
        return f"{candidate}@{EMAIL_DOMAIN}"

    def _phone(self, prefix: str, codes: tuple[str, ...]) -> str:
        while True:
            phone = f"{prefix}{self.rng.choice(codes)}{self.rng.randint(0, 9999999):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _common_storage(self) -> None:
        folder_id = self.portal.new_id("disk_object")
        storage_id = self.portal.new_id("storage")
        self.portal.disk_objects[folder_id] = DiskObject(
            folder_id, storage_id, None, "Общий диск", "folder", 1, self.register_base)
        self.portal.storages[storage_id] = Storage(
            storage_id, "Общий диск", "common", "shared_files_s1", folder_id)

    def _admin_webhook(self) -> None:
        code = "".join(self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(16))
        self.portal.webhooks[code] = Webhook(code=code, user_id=1, scopes=[])


def _allocate_stores(stores: int, rng: random.Random) -> Counter[str]:
    """Spread stores over cities: one per city in a varied order, the rest by city weight."""
    cities = all_cities()
    order = _round_robin_by_country(cities)
    per_city: Counter[str] = Counter(city.name for city in order[:stores])
    remaining = stores - sum(per_city.values())
    if remaining > 0:
        weights = [city.weight for _, _, city in cities]
        for city in rng.choices([c for _, _, c in cities], weights=weights, k=remaining):
            per_city[city.name] += 1
    return per_city


def _round_robin_by_country(cities: list[tuple[Country, Region, City]]) -> list[City]:
    """Order cities so that a small chain still spans countries and time zones."""
    by_country: dict[str, list[City]] = {}
    for country, _, city in cities:
        by_country.setdefault(country.name, []).append(city)
    ordered: list[City] = []
    queues = [sorted(group, key=lambda c: -c.weight) for group in by_country.values()]
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered
