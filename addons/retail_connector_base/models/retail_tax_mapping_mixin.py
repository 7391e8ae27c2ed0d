from odoo import fields, models
from odoo.tools import float_compare, float_round

from ..services import errors
from ..services.money import to_decimal


class RetailTaxMappingMixin(models.AbstractModel):
    """Which Odoo tax stands for a tax of a remote system.

    A remote system names the taxes it charges (a code or a title) with a
    rate; a connector's mapping model inherits this mixin and adds
    ``backend_id`` (its backend) and ``company_id`` (related to the
    backend's company, stored). The backend's mapping rows are then asked for
    the Odoo tax of each remote tax line with :meth:`_retail_find_tax`.
    """

    _name = "retail.tax.mapping.mixin"
    _description = "Retail Tax Mapping"

    title = fields.Char(
        string="Remote tax",
        required=True,
        help="Code or title of the tax as the remote system sends it.",
    )
    rate = fields.Float(
        digits=(12, 6), required=True, help="Rate as a fraction: 0.0725 for 7.25%."
    )
    price_include = fields.Selection(
        [("included", "Included in prices"), ("excluded", "Added to prices")],
        string="Remote prices",
        help="Use this mapping only for remote prices that include the tax, or "
        "only for prices it is added to. Leave empty for both.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        string="Odoo tax",
        required=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
    )

    def _retail_find_tax(
        self, backend, title, rate, price_include, *, subject, what, details=None
    ):
        """The Odoo tax for one remote tax line, looked up in these rows.

        ``self`` holds the mapping rows of ``backend`` (possibly none);
        ``rate`` is a fraction (Decimal, float or text), ``price_include``
        tells whether the remote prices include the tax. In order:

        1. the row with this title and rate for prices that include the tax
           or not as ``price_include`` says, else such a row for both;
        2. the one percentage sale tax of the backend's company with this rate
           and this price inclusion;
        3. otherwise :class:`~..services.errors.MappingError` naming the tax,
           ``what`` carries it (a line) on ``subject`` (the order), and the
           mapping to complete, with ``details`` (e.g. the order's
           ``remote_ref``).
        """
        rate = to_decimal(rate)
        inclusion = "included" if price_include else "excluded"
        rows = self.filtered(
            lambda row: (
                row.title == title
                and float_compare(row.rate, float(rate), precision_digits=6) == 0
                and row.price_include in (inclusion, False)
            )
        ).sorted(lambda row: row.price_include != inclusion)
        if rows:
            return rows[0].tax_id
        percent = float(rate * 100)
        candidates = (
            self.env["account.tax"]
            .search(
                [
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("company_id", "=", backend.company_id.id),
                ]
            )
            .filtered(
                lambda tax: (
                    float_compare(tax.amount, percent, precision_digits=4) == 0
                    and tax.price_include == bool(price_include)
                )
            )
        )
        if len(candidates) == 1:
            return candidates
        shown = float_round(percent, precision_digits=4)
        raise errors.MappingError(
            f"{subject}: the tax '{title}' ({shown}%, "
            f"{'included in' if price_include else 'added to'} prices) "
            f"on {what} has no Odoo tax"
            + (" (several Odoo taxes have this rate)" if candidates else "")
            + ".",
            hint=self.env._(
                "Add '%(tax)s' at %(rate)s%% to the tax mapping of %(backend)s, "
                "then press Retry.",
                tax=title,
                rate=shown,
                backend=backend.display_name,
            ),
            details=details,
        )
