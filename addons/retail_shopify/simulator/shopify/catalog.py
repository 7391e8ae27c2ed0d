"""The catalog: products, options and variants, and ``productSet``.

``productSet`` creates or updates a product with its options and variants
in one call, validated like Shopify (user errors with Shopify's codes:
``HANDLE_NOT_UNIQUE``, ``OPTION_VALUE_DOES_NOT_EXIST``...); a variant input
matches an existing variant by id, else by its option values, and variants
left out are deleted. Each variant has its inventory item.
"""

import itertools
import re

from odoo.addons.retail_connector_base.simulator import locked

from .engine import _matches, _search_terms
from .values import (
    _amount,
    _count,
    _money,
    _parse_time,
    _rest_amount,
    _user_error,
    legacy_id,
)


def _slug(text):
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug or "product"


class Catalog:
    """Products and variants, as a merchant and ``productSet`` change them."""

    @locked
    def add_product(
        self,
        title,
        variants=None,
        *,
        handle=None,
        status="ACTIVE",
        vendor=None,
        product_type="",
    ):
        """Add a product; ``variants`` is a list of ``{sku, barcode, price}``.

        A variant may name its option value with ``option`` (the product has
        one option, ``Title``). Returns ``{id, title, handle, status,
        variants: [{id, sku, barcode, price, inventoryItem: {id}}]}``.
        """
        variants = variants or [{}]
        values = []
        for index, spec in enumerate(variants):
            default = "Default Title" if len(variants) == 1 else f"Variant {index + 1}"
            values.append(spec.get("option") or spec.get("title") or default)
        data = {
            "title": title,
            "status": status,
            "vendor": vendor or self.shop["name"],
            "productType": product_type,
            "productOptions": [
                {"name": "Title", "values": [{"name": v} for v in values]}
            ],
            "variants": [
                {
                    "sku": spec.get("sku"),
                    "barcode": spec.get("barcode"),
                    "price": str(spec.get("price", "0.00")),
                    "optionValues": [{"optionName": "Title", "name": value}],
                }
                for spec, value in zip(variants, values, strict=True)
            ],
        }
        if handle:
            data["handle"] = handle
        product, errors = self._product_set(data, None, notify=False)
        if errors:
            raise ValueError("; ".join(e["message"] for e in errors))
        return self.product_summary(product["id"])

    @locked
    def delete_product(self, product_gid, *, notify=True):
        """Delete a product as from the Shopify admin (``products/delete``)."""
        product = self.products.pop(product_gid)
        for variant in product["variants"]:
            self._delete_variant(variant)
        self._nodes.pop(product_gid, None)
        if notify:
            self._emit("products/delete", {"id": legacy_id(product_gid)})

    def product_summary(self, product_gid):
        """Plain (JSON-safe) summary of a product and its variants."""
        product = self.products[product_gid]
        return {
            "id": product["id"],
            "title": product["title"],
            "handle": product["handle"],
            "status": product["status"],
            "variants": [
                {
                    "id": v["id"],
                    "sku": v["sku"],
                    "barcode": v["barcode"],
                    "price": v["price"],
                    "inventoryItem": {"id": v["inventoryItem"]["id"]},
                }
                for v in product["variants"]
            ],
        }

    def _new_product(self, data):
        gid = self._gid("Product")
        stamp = self._stamp()
        product = {
            "__typename": "Product",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "title": data.get("title") or "",
            "handle": "",
            "status": "ACTIVE",
            "vendor": self.shop["name"],
            "productType": "",
            "tags": [],
            "descriptionHtml": "",
            "createdAt": stamp,
            "updatedAt": stamp,
            "publishedAt": stamp,
            "isGiftCard": False,
            "tracksInventory": True,
            "requiresSellingPlan": False,
            "variants": [],
            "_options": [],
        }
        product["options"] = lambda info, first=None: product["_options"][:first]
        product["description"] = lambda info, truncateAt=None: re.sub(
            r"<[^>]+>", "", product["descriptionHtml"] or ""
        )[:truncateAt]
        product["hasOnlyDefaultVariant"] = lambda info: (
            [v["title"] for v in product["variants"]] == ["Default Title"]
        )
        product["totalInventory"] = lambda info: sum(
            self._total_available(v["inventoryItem"]["id"]) for v in product["variants"]
        )
        product["variantsCount"] = lambda info: _count(len(product["variants"]))
        product["hasOutOfStockVariants"] = lambda info: any(
            self._total_available(v["inventoryItem"]["id"]) <= 0
            for v in product["variants"]
        )
        return product

    def _new_variant(self, product):
        gid = self._gid("ProductVariant")
        item_gid = self._gid("InventoryItem")
        stamp = self._stamp()
        variant = {
            "__typename": "ProductVariant",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "title": "Default Title",
            "sku": None,
            "barcode": None,
            "price": "0.00",
            "compareAtPrice": None,
            "position": 1,
            "taxable": True,
            "inventoryPolicy": "DENY",
            "availableForSale": True,
            "requiresComponents": False,
            "showUnitPrice": False,
            "createdAt": stamp,
            "updatedAt": stamp,
            "product": product,
            "selectedOptions": [],
        }
        item = {
            "__typename": "InventoryItem",
            "id": item_gid,
            "legacyResourceId": str(legacy_id(item_gid)),
            "tracked": True,
            "requiresShipping": True,
            "createdAt": stamp,
            "updatedAt": stamp,
            "countryCodeOfOrigin": None,
            "provinceCodeOfOrigin": None,
            "harmonizedSystemCode": None,
            "unitCost": None,
            "variant": variant,
            "measurement": {"id": item_gid, "weight": {"unit": "GRAMS", "value": 0.0}},
            "sku": lambda info: variant["sku"],
            "variants": lambda info, **_: [variant],
            "duplicateSkuCount": lambda info: sum(
                1
                for other in self.variants.values()
                if variant["sku"]
                and other is not variant
                and other["sku"] == variant["sku"]
            ),
            "inventoryLevel": lambda info, locationId, **_: self.levels.get(
                (item_gid, locationId)
            ),
            "inventoryLevels": lambda info, **_: [
                level for (i, _l), level in self.levels.items() if i == item_gid
            ],
            "locationsCount": lambda info: _count(
                sum(1 for (i, _l) in self.levels if i == item_gid)
            ),
        }
        variant["inventoryItem"] = item
        variant["displayName"] = lambda info: f"{product['title']} - {variant['title']}"
        variant["inventoryQuantity"] = lambda info: self._total_available(item_gid)
        variant["sellableOnlineQuantity"] = variant["inventoryQuantity"]
        self.variants[gid] = self._register(variant)
        self.inventory_items[item_gid] = self._register(item)
        return variant

    def _delete_variant(self, variant):
        item = variant["inventoryItem"]
        for key in [k for k in self.levels if k[0] == item["id"]]:
            self._nodes.pop(self.levels.pop(key)["id"], None)
        self.variants.pop(variant["id"], None)
        self.inventory_items.pop(item["id"], None)
        self._nodes.pop(variant["id"], None)
        self._nodes.pop(item["id"], None)

    def _find_product(self, data, identifier):
        """``(product or None, errors)`` for productSet's target."""
        identifier = identifier or {}
        gid = identifier.get("id") or data.get("id")
        if gid:
            product = self._typed(gid, "Product")
            if product is None:
                field_path = (
                    ["identifier", "id"] if identifier.get("id") else ["input", "id"]
                )
                return None, [
                    _user_error(
                        field_path, "Product does not exist", "PRODUCT_DOES_NOT_EXIST"
                    )
                ]
            return product, []
        handle = identifier.get("handle")
        if handle:
            for product in self.products.values():
                if product["handle"] == handle:
                    return product, []
        return None, []

    def _check_options(self, data, product):
        """Validate productOptions; return ``({name: [values]}, errors)``."""
        errors = []
        if "productOptions" not in data:
            if product is not None:
                return {o["name"]: list(o["values"]) for o in product["_options"]}, []
            if data.get("variants"):
                return {}, [
                    _user_error(
                        ["input", "productOptions"],
                        "Options are required when variants are given.",
                        "PRODUCT_OPTIONS_INPUT_MISSING",
                    )
                ]
            return {"Title": ["Default Title"]}, []
        options = {}
        specs = data.get("productOptions") or []
        if len(specs) > 3:
            errors.append(
                _user_error(
                    ["input", "productOptions"],
                    "A product can have at most 3 options.",
                    "OPTIONS_OVER_LIMIT",
                )
            )
        for index, spec in enumerate(specs):
            path = ["input", "productOptions", str(index)]
            name = (spec.get("name") or "").strip()
            values = [v.get("name") for v in spec.get("values") or [] if v.get("name")]
            if name in options:
                errors.append(
                    _user_error(
                        [*path, "name"],
                        f"Option '{name}' already exists.",
                        "DUPLICATED_OPTION_NAME",
                    )
                )
            if not values:
                errors.append(
                    _user_error(
                        [*path, "values"],
                        f"Option '{name}' needs at least one value.",
                        "OPTION_VALUES_MISSING",
                    )
                )
            if len(set(values)) != len(values):
                errors.append(
                    _user_error(
                        [*path, "values"],
                        f"Option '{name}' has duplicated values.",
                        "DUPLICATED_OPTION_VALUE",
                    )
                )
            options[name] = values
        return options, errors

    def _check_variant(self, index, spec, options, product):
        """Validate one variant input; return ``(combination, errors)``."""
        path = ["input", "variants", str(index)]
        errors = []
        if spec.get("id") and (
            product is None or spec["id"] not in {v["id"] for v in product["variants"]}
        ):
            errors.append(
                _user_error(
                    [*path, "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
        chosen = {}
        for value in spec.get("optionValues") or []:
            name, option_value = value.get("optionName"), value.get("name")
            if name not in options:
                errors.append(
                    _user_error(
                        [*path, "optionValues"],
                        f"Option '{name}' does not exist.",
                        "OPTION_DOES_NOT_EXIST",
                    )
                )
            elif option_value not in options[name]:
                errors.append(
                    _user_error(
                        [*path, "optionValues"],
                        f"Option value '{option_value}' does not exist for "
                        f"option '{name}'.",
                        "OPTION_VALUE_DOES_NOT_EXIST",
                    )
                )
            else:
                chosen[name] = option_value
        if not errors and set(chosen) != set(options):
            errors.append(
                _user_error(
                    [*path, "optionValues"],
                    "Every option of the product needs a value.",
                    "OPTION_VALUES_MISSING",
                )
            )
        try:
            if spec.get("price") is not None and _money(spec["price"]) < 0:
                raise ValueError("negative price")
        except ValueError:
            errors.append(
                _user_error([*path, "price"], "Price is invalid.", "INVALID_VARIANT")
            )
        for position, quantity in enumerate(spec.get("inventoryQuantities") or []):
            if quantity.get("locationId") not in self.locations or quantity.get(
                "name"
            ) not in ("available", "on_hand"):
                errors.append(
                    _user_error(
                        [*path, "inventoryQuantities", str(position)],
                        "Inventory quantity needs a known location and the name "
                        "available or on_hand.",
                        "INVALID_INPUT",
                    )
                )
        return tuple(chosen.get(name) for name in options), errors

    def _validate_product_set(self, data, product):
        options, errors = self._check_options(data, product)
        if product is None and not (data.get("title") or "").strip():
            errors.append(
                _user_error(
                    ["input", "title"], "Title can't be blank", "MISSING_FIELD_REQUIRED"
                )
            )
        handle = data.get("handle")
        if handle and any(
            p["handle"] == handle and p is not product for p in self.products.values()
        ):
            errors.append(
                _user_error(
                    ["input", "handle"],
                    f"Handle '{handle}' already in use. Please provide a new handle.",
                    "HANDLE_NOT_UNIQUE",
                )
            )
        specs = data.get("variants")
        combinations = []
        if specs is not None:
            if len(specs) > 2048:
                errors.append(
                    _user_error(
                        ["input", "variants"],
                        "A product can have at most 2048 variants.",
                        "VARIANTS_OVER_LIMIT",
                    )
                )
            for index, spec in enumerate(specs):
                combination, variant_errors = self._check_variant(
                    index, spec, options, product
                )
                errors.extend(variant_errors)
                if not variant_errors and combination in combinations:
                    errors.append(
                        _user_error(
                            ["input", "variants", str(index)],
                            f"The variant '{' / '.join(combination)}' already exists.",
                            "INVALID_VARIANT",
                        )
                    )
                combinations.append(combination)
        return options, combinations, errors

    def _unique_handle(self, title, product):
        base = _slug(title)
        handle, counter = base, itertools.count(1)
        taken = {p["handle"] for p in self.products.values() if p is not product}
        while handle in taken:
            handle = f"{base}-{next(counter)}"
        return handle

    def _apply_options(self, product, options):
        records = []
        for position, (name, values) in enumerate(options.items(), start=1):
            option = {
                "__typename": "ProductOption",
                "id": self._gid("ProductOption"),
                "name": name,
                "position": position,
                "values": list(values),
            }
            option["optionValues"] = [
                {
                    "__typename": "ProductOptionValue",
                    "id": self._gid("ProductOptionValue"),
                    "name": value,
                    "hasVariants": lambda info, n=name, v=value: any(
                        {"name": n, "value": v} in variant["selectedOptions"]
                        for variant in product["variants"]
                    ),
                }
                for value in values
            ]
            records.append(option)
        product["_options"] = records

    def _apply_variant(self, variant, spec, options, combination, position):
        stamp = self._stamp()
        inventory_input = spec.get("inventoryItem") or {}
        if "sku" in spec or "sku" in inventory_input:
            variant["sku"] = spec.get("sku", inventory_input.get("sku"))
        for key in ("barcode", "taxable", "inventoryPolicy", "showUnitPrice"):
            if key in spec:
                variant[key] = spec[key]
        if spec.get("price") is not None:
            variant["price"] = _rest_amount(spec["price"])
        if "compareAtPrice" in spec:
            price = spec["compareAtPrice"]
            variant["compareAtPrice"] = None if price is None else _rest_amount(price)
        names = list(options)
        variant["selectedOptions"] = [
            {"name": name, "value": value, "optionValue": {"name": value}}
            for name, value in zip(names, combination, strict=True)
        ]
        variant["title"] = " / ".join(combination) or "Default Title"
        variant["position"] = position
        variant["updatedAt"] = stamp
        item = variant["inventoryItem"]
        for key in ("tracked", "requiresShipping", "harmonizedSystemCode"):
            if key in inventory_input:
                item[key] = inventory_input[key]
        if inventory_input.get("cost") is not None:
            item["unitCost"] = {
                "__typename": "MoneyV2",
                "amount": _amount(_money(inventory_input["cost"])),
                "currencyCode": self.currency,
            }
        item["updatedAt"] = stamp

    def _apply_variants(self, product, specs, options, combinations):
        existing = {v["id"]: v for v in product["variants"]}
        by_combination = {
            tuple(o["value"] for o in v["selectedOptions"]): v
            for v in product["variants"]
        }
        kept = []
        for position, (spec, combination) in enumerate(
            zip(specs, combinations, strict=True), start=1
        ):
            variant = existing.get(spec.get("id")) or by_combination.get(combination)
            created = variant is None or variant in kept
            if created:
                variant = self._new_variant(product)
            self._apply_variant(variant, spec, options, combination, position)
            if created:
                for quantity in spec.get("inventoryQuantities") or []:
                    level = self._level(
                        variant["inventoryItem"], self.locations[quantity["locationId"]]
                    )
                    self._change_quantity(level, quantity["name"], quantity["quantity"])
            kept.append(variant)
        for variant in product["variants"]:
            if variant not in kept:
                self._delete_variant(variant)
        product["variants"] = kept

    def _product_set(self, data, identifier, notify=True):
        """Create or update a product like productSet; ``(product, errors)``."""
        product, errors = self._find_product(data, identifier)
        if errors:
            return None, errors
        options, combinations, errors = self._validate_product_set(data, product)
        if errors:
            return None, errors
        created = product is None
        if created:
            product = self._new_product(data)
            self.products[product["id"]] = self._register(product)
            product["handle"] = (
                data.get("handle")
                or (identifier or {}).get("handle")
                or self._unique_handle(data.get("title"), product)
            )
        for key in ("title", "status", "vendor", "productType", "descriptionHtml"):
            if data.get(key) is not None:
                product[key] = data[key]
        if data.get("handle"):
            product["handle"] = data["handle"]
        if data.get("tags") is not None:
            product["tags"] = list(data["tags"])
        if created or "productOptions" in data:
            self._apply_options(product, options)
        specs = data.get("variants")
        if specs is None and created:
            specs = [{"optionValues": []}]
            combinations = [tuple(values[0] for values in options.values())]
        if specs is not None:
            self._apply_variants(product, specs, options, combinations)
        product["updatedAt"] = self._stamp(strict=True)
        if notify:
            self._emit(
                "products/create" if created else "products/update",
                self._rest_product(product),
            )
        return product, []

    def _q_products(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda p: [v["sku"] for v in p["variants"] if v["sku"]],
            "barcode": lambda p: [v["barcode"] for v in p["variants"] if v["barcode"]],
            "handle": lambda p: p["handle"],
            "title": lambda p: p["title"],
            "status": lambda p: p["status"],
            "vendor": lambda p: p["vendor"],
            "product_type": lambda p: p["productType"],
            "tag": lambda p: p["tags"],
            "id": lambda p: legacy_id(p["id"]),
            "updated_at": lambda p: _parse_time(p["updatedAt"]),
            "created_at": lambda p: _parse_time(p["createdAt"]),
        }
        records = [
            p
            for p in self.products.values()
            if _matches(p, terms, getters, lambda p: p["title"])
        ]
        keys = {
            "TITLE": lambda p: p["title"].lower(),
            "UPDATED_AT": lambda p: p["updatedAt"],
            "CREATED_AT": lambda p: p["createdAt"],
            "VENDOR": lambda p: p["vendor"],
        }
        key = keys.get(args.get("sortKey") or "ID", lambda p: 0)
        return sorted(records, key=lambda p: (key(p), legacy_id(p["id"])))

    def _q_product_variants(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda v: v["sku"],
            "barcode": lambda v: v["barcode"],
            "title": lambda v: v["title"],
            "product_id": lambda v: legacy_id(v["product"]["id"]),
            "id": lambda v: legacy_id(v["id"]),
            "updated_at": lambda v: _parse_time(v["updatedAt"]),
        }
        records = [
            v
            for v in self.variants.values()
            if _matches(
                v, terms, getters, lambda v: f"{v['product']['title']} {v['sku']}"
            )
        ]
        if args.get("sortKey") == "SKU":
            return sorted(records, key=lambda v: (v["sku"] or "", legacy_id(v["id"])))
        return sorted(records, key=lambda v: legacy_id(v["id"]))

    def _m_product_set(self, info, input, identifier=None, synchronous=True):
        product, errors = self._product_set(input, identifier)
        if synchronous is False:
            operation = {
                "__typename": "ProductSetOperation",
                "id": self._gid("ProductSetOperation"),
                "status": "COMPLETE",
                "product": product,
                "userErrors": errors,
            }
            self._register(operation)
            return {"product": None, "productSetOperation": operation, "userErrors": []}
        return {"product": product, "productSetOperation": None, "userErrors": errors}
