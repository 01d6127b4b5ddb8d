-- Funding paid or received while a trade was open (already inside pnl_usdt), and its commissions as
-- charged, per asset ({"BNB": "0.00105", "USDT": "0.02"}); `fees` stays their USDT value at each fill.
ALTER TABLE trades
    ADD COLUMN funding       numeric NOT NULL DEFAULT 0,
    ADD COLUMN fees_by_asset jsonb   NOT NULL DEFAULT '{}';
