from collections import defaultdict

from odoo import api, fields, models

from ..services.pg import short_transaction

MARK_MODEL = "retail.stock.mark"


class RetailStockLevelMixin(models.AbstractModel):
    """What a connector publishes for one product at one remote location.

    A concrete level model declares ``backend_id`` (Many2one to its backend,
    ``required=True, ondelete="cascade"``), a Many2one to the binding of the
    product (a ``retail.binding.mixin`` model whose ``odoo_id`` is a
    ``product.product``) and a Many2one to the remote location (a
    ``retail.location.mixin`` model), and names these two fields in
    ``_retail_stock_binding_field`` and ``_retail_stock_location_field``.

    Stock moves call :meth:`_retail_stock_changed` on every such model (see
    ``stock.move``); the levels concerned are marked in ``retail.stock.mark``
    and the backend's export of ``_retail_stock_export_kind`` is queued. The
    connector implements ``_retail_export_<kind>()`` with
    :meth:`_retail_stock_export`.
    """

    _name = "retail.stock.level.mixin"
    _description = "Published Stock Level"

    # the Many2one to the product's binding, and to the remote location
    _retail_stock_binding_field = "binding_id"
    _retail_stock_location_field = "location_id"
    # the kind of export that sends the marked levels
    _retail_stock_export_kind = "inventory"

    # the backend's company (computed: the abstract model has no backend_id)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True
    )
    remote_quantity = fields.Integer(
        help="Available quantity the remote system had at the last exchange."
    )
    remote_known = fields.Boolean(
        help="The remote quantity was read or set at least once."
    )
    sent_quantity = fields.Integer(help="Last quantity Odoo published.")
    dirty = fields.Boolean(
        string="To send",
        compute="_compute_dirty",
        search="_search_dirty",
        help="Odoo's quantity changed since it was last sent.",
    )
    last_sync = fields.Datetime(readonly=True)

    @api.depends("backend_id.company_id")
    def _compute_company_id(self):
        for record in self:
            record.company_id = record.backend_id.company_id

    # ------------------------------------------------------------------
    # marks: what is to send
    # ------------------------------------------------------------------
    def _retail_marks(self):
        """The recorded changes of these levels not sent yet."""
        return (
            self.env[MARK_MODEL]
            .sudo()
            .search([("level_model", "=", self._name), ("level_id", "in", self.ids)])
        )

    def _compute_dirty(self):
        marked = set(self._retail_marks().mapped("level_id"))
        for level in self:
            level.dirty = level.id in marked

    def _search_dirty(self, operator, value):
        if operator != "in":
            return NotImplemented
        marked = self.env[MARK_MODEL].sudo()._search([("level_model", "=", self._name)])
        if True in value:
            return [("id", "in", marked.subselect("level_id"))]
        return [("id", "not in", marked.subselect("level_id"))]

    def _retail_mark_to_send(self):
        """Record that these levels are to publish (insert-only)."""
        self.env[MARK_MODEL].sudo().create(
            [
                {
                    "level_model": self._name,
                    "level_id": level.id,
                    "backend_id": level.backend_id.id,
                }
                for level in self
            ]
        )
        self.invalidate_recordset(["dirty"])

    # ------------------------------------------------------------------
    # stock changes
    # ------------------------------------------------------------------
    @api.model
    def _retail_stock_models(self):
        """Every concrete level model of the installed connectors."""
        names = self.env.registry.descendants([self._name], "_inherit")
        return [
            self.env[name]
            for name in names
            if not self.env[name]._abstract and not self.env[name]._transient
        ]

    @api.model
    def _retail_stock_notify(self, products):
        """The stock of ``products`` moved: tell every connector publishing it."""
        if not products:
            return
        for Level in self._retail_stock_models():
            Level._retail_stock_changed(products)

    @api.model
    def _retail_stock_changed(self, products, backends=None):
        """Stock of these products moved: their levels are to send.

        Creates the levels missing at the active mapped locations, marks all
        the levels of the products' bindings (on ``backends`` when given, on
        every active backend otherwise), queues the export; returns them.
        """
        binding_field = self._retail_stock_binding_field
        location_field = self._retail_stock_location_field
        domain = [("odoo_id", "in", products.ids), ("backend_id.state", "=", "active")]
        if backends is not None:
            domain.append(("backend_id", "in", backends.ids))
        bindings = (
            self.env[self._fields[binding_field].comodel_name].sudo().search(domain)
        )
        if not bindings:
            return self.browse()
        locations = defaultdict(list)
        for location in (
            self.env[self._fields[location_field].comodel_name]
            .sudo()
            .search(
                [
                    ("backend_id", "in", bindings.backend_id.ids),
                    ("warehouse_id", "!=", False),
                ]
            )
        ):
            locations[location.backend_id.id].append(location)
        existing = self.sudo().search([(binding_field, "in", bindings.ids)])
        known = {(lvl[binding_field].id, lvl[location_field].id) for lvl in existing}
        vals_list = [
            {
                "backend_id": binding.backend_id.id,
                binding_field: binding.id,
                location_field: location.id,
            }
            for binding in bindings
            for location in locations[binding.backend_id.id]
            if (binding.id, location.id) not in known
        ]
        levels = existing | self.sudo().create(vals_list)
        levels._retail_mark_to_send()
        levels.backend_id._retail_schedule_export(self._retail_stock_export_kind)
        return levels

    @api.model
    def _retail_stock_publish(self, backends):
        """Mark every linked product of ``backends`` (a warehouse was mapped)."""
        Binding = self.env[self._fields[self._retail_stock_binding_field].comodel_name]
        bindings = Binding.sudo().search([("backend_id", "in", backends.ids)])
        if not bindings:
            return self.browse()
        return self._retail_stock_changed(bindings.odoo_id, backends=backends)

    def _odoo_quantity(self):
        """What the mapped warehouse can promise: on hand minus reserved."""
        self.ensure_one()
        location = self[self._retail_stock_location_field]
        product = self[self._retail_stock_binding_field].odoo_id.with_context(
            location=location.warehouse_id.lot_stock_id.id
        )
        return max(0, int(product.free_qty))

    # ------------------------------------------------------------------
    # what was exchanged
    # ------------------------------------------------------------------
    @api.model
    def _retail_stock_record(self, values):
        """Write ``{level_id: {field: value}}`` (remote and sent quantities)
        in a short READ COMMITTED transaction of its own, committed at once.

        Several transactions write the same level (the export job, the next
        export job, the remote system's change notifications): each waits for
        the other's row lock and overwrites the committed value, instead of
        failing with a serialisation error at REPEATABLE READ. The caller's
        snapshot still shows the old values (its cache is invalidated): it
        must not read them back in the same transaction. Levels the other
        transaction cannot see (created by the caller's, not committed yet)
        are written in the caller's transaction.
        """
        if not values:
            return

        def write(cr):
            levels = self.with_env(self.env(cr=cr, su=True)).browse(list(values))
            levels = levels.exists().sorted("id")
            for level in levels:
                level.write(values[level.id])
            return set(levels.ids)

        written = short_transaction(self.env.registry.cursor, write)
        names = {name for vals in values.values() for name in vals}
        self.browse(list(values)).invalidate_recordset(
            [*names, "write_date", "write_uid"]
        )
        for level_id in sorted(set(values) - written):
            self.browse(level_id).write(values[level_id])

    # ------------------------------------------------------------------
    # export
    # ------------------------------------------------------------------
    @api.model
    def _retail_stock_export(self, backend, send, batch_size):
        """Send one batch of the marked levels of ``backend``; return them.

        ``send(levels)`` publishes them (transient errors propagate: nothing
        is unmarked and the job retries). The marks seen are then removed:
        changes recorded meanwhile by other transactions are not visible here
        and stay for the next job. A full batch queues the next one.
        """
        marks = (
            self.env[MARK_MODEL]
            .sudo()
            .search(
                [("level_model", "=", self._name), ("backend_id", "=", backend.id)],
                order="id",
            )
        )
        level_ids = list(dict.fromkeys(marks.mapped("level_id")))[:batch_size]
        levels = self.browse(level_ids).exists()
        if levels:
            send(levels)
        # marks of levels deleted since are dropped as well
        batch = set(level_ids)
        marks.filtered(lambda mark: mark.level_id in batch).unlink()
        levels.invalidate_recordset(["dirty"])
        if len(level_ids) == batch_size:
            backend._retail_schedule_export(self._retail_stock_export_kind)
        return levels
