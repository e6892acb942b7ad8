#!/usr/bin/python3
"""Validates ClaimReview JSON-LD against Tests/shell/claimreview.schema.json, independently of Gainsay.

    validate-claimreview.py [--level structure|required|complete] [--schema FILE] [FILE|-]...

Each FILE (or standard input, "-" or none) holds a JSON array of ClaimReviews or one ClaimReview. Prints
one line per review, "ok N ID" or "invalid N ID: PATH: MESSAGE" (N its position from 1, ID its
itemReviewed.identifier or "-"), and exits 0 when every review is valid at the level, 1 when one is not,
2 when a file is not JSON. Levels (see the schema's description): required (the default, Google's
required fields), structure (types only), complete (the recommended fields too).
"""
import argparse
import json
import os
import sys

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

HERE = os.path.dirname(os.path.abspath(__file__))


def rating_range(validator, enabled, rating, schema):
    """x-ratingRange: worstRating < bestRating and worstRating <= ratingValue <= bestRating (Google)."""
    if not enabled or not validator.is_type(rating, "object"):
        return
    numbers = {name: rating.get(name) for name in ("ratingValue", "bestRating", "worstRating")}
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in numbers.values()):
        return  # missing or mistyped numbers are the other keywords' business
    value, best, worst = numbers["ratingValue"], numbers["bestRating"], numbers["worstRating"]
    if not worst < best:
        yield ValidationError(f"worstRating {worst} is not below bestRating {best}")
    if not worst <= value <= best:
        yield ValidationError(f"ratingValue {value} is outside worstRating {worst} to bestRating {best}")


ClaimReviewValidator = validators.extend(Draft202012Validator, {"x-ratingRange": rating_range})


def load(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=["structure", "required", "complete"], default="required")
    parser.add_argument("--schema", default=os.path.join(HERE, "claimreview.schema.json"))
    parser.add_argument("files", nargs="*", default=["-"])
    options = parser.parse_args()

    schema = load(options.schema)
    ClaimReviewValidator.check_schema(schema)
    review_schema = dict(schema, **{"$ref": f"#/$defs/{options.level}"})
    for key in ("type", "items"):
        review_schema.pop(key, None)
    validator = ClaimReviewValidator(review_schema)

    failed = False
    for path in options.files:
        try:
            document = load(path)
        except (OSError, ValueError) as error:
            print(f"{path}: not JSON: {error}", file=sys.stderr)
            return 2
        reviews = document if isinstance(document, list) else [document]
        for position, review in enumerate(reviews, start=1):
            identifier = "-"
            if isinstance(review, dict) and isinstance(review.get("itemReviewed"), dict):
                identifier = review["itemReviewed"].get("identifier") or "-"
            errors = sorted(validator.iter_errors(review), key=lambda e: list(e.absolute_path))
            if errors:
                failed = True
                for error in errors:
                    where = ".".join(str(part) for part in error.absolute_path) or "(the review)"
                    print(f"invalid {position} {identifier}: {where}: {error.message}")
            else:
                print(f"ok {position} {identifier}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
