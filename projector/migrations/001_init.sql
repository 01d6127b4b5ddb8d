-- The audit log, the projector's stream positions, and the read models of the dashboard.

CREATE TABLE events (
    seq            bigserial PRIMARY KEY,
    stream         text        NOT NULL,
    stream_id      text        NOT NULL,
    id             text,
    type           text,
    v              integer,
    ts             timestamptz,
    ts_ms          bigint,
    recv_ts        bigint,
    correlation_id text,
    causation_id   text,
    source         text,
    payload        jsonb,
    raw            text        NOT NULL,  -- the encoded envelope exactly as it was on the stream
    decoded        boolean     NOT NULL,
    skip_reason    text,
    projected_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, stream_id)
);
CREATE INDEX events_ts_idx ON events (ts);
CREATE INDEX events_type_ts_idx ON events (type, ts);
CREATE INDEX events_id_idx ON events (id);
CREATE INDEX events_correlation_idx ON events (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_undecoded_idx ON events (seq) WHERE NOT decoded;

-- Last stream id projected per stream, written in the same transaction as the rows (tracking record).
CREATE TABLE projector_positions (
    stream     text PRIMARY KEY,
    last_id    text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per PositionClosed, with the seed §7.1 columns (plus reason, qty and open time for filters).
CREATE TABLE trades (
    event_id     text PRIMARY KEY,
    setup_id     text        NOT NULL,
    "timestamp"  timestamptz NOT NULL,
    symbol       text        NOT NULL,
    side         text        NOT NULL,
    entry        numeric     NOT NULL,
    exit         numeric     NOT NULL,
    pnl_usdt     numeric     NOT NULL,
    pnl_pct      numeric     NOT NULL,
    duration     interval    NOT NULL,
    fees         numeric     NOT NULL,
    slippage_est numeric     NOT NULL,
    reason       text        NOT NULL,
    qty          numeric     NOT NULL,
    opened_at    timestamptz NOT NULL
);
CREATE INDEX trades_ts_idx ON trades ("timestamp");
CREATE INDEX trades_symbol_ts_idx ON trades (symbol, "timestamp");
CREATE INDEX trades_setup_idx ON trades (setup_id);

CREATE TABLE positions (
    setup_id          text PRIMARY KEY,
    symbol            text        NOT NULL,
    side              text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    qty               numeric     NOT NULL,
    entry_price       numeric,
    stop_price        numeric,
    take_profit_price numeric,
    opened_at         timestamptz,
    time_stop_at      timestamptz,
    closed_at         timestamptz,
    exit_price        numeric,
    pnl_usdt          numeric,
    exit_reason       text,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX positions_open_idx ON positions (status) WHERE status = 'OPEN';
CREATE INDEX positions_opened_idx ON positions (opened_at);

-- Control actions, limits, state changes, incidents, resets, flatten orders, and every API POST.
CREATE TABLE risk_events (
    id              bigserial PRIMARY KEY,
    ts              timestamptz NOT NULL,
    type            text        NOT NULL,
    actor           text,
    idempotency_key text,
    outcome         text,
    detail          text        NOT NULL DEFAULT '',
    payload         jsonb       NOT NULL DEFAULT '{}',
    source          text        NOT NULL,
    event_stream    text,
    event_stream_id text,
    UNIQUE (event_stream, event_stream_id)
);
CREATE INDEX risk_events_ts_idx ON risk_events (ts);
CREATE INDEX risk_events_type_ts_idx ON risk_events (type, ts);
CREATE INDEX risk_events_key_idx ON risk_events (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE bot_state (
    id                smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    status            text,
    status_cause      text,
    status_since      timestamptz,
    heartbeat         jsonb,
    heartbeat_at      timestamptz,
    last_error        text,
    last_error_at     timestamptz,
    last_error_source text,
    last_error_stack  text,
    updated_at        timestamptz
);
INSERT INTO bot_state (id) VALUES (1);

CREATE TABLE process_heartbeats (
    process          text PRIMARY KEY,
    pid              integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    events_processed bigint      NOT NULL,
    lag              bigint      NOT NULL,
    rss_mb           double precision NOT NULL,
    last_seen        timestamptz NOT NULL
);

-- One row per setup: detection, confirmation or rejection, then the governor's verdict.
CREATE TABLE market_events (
    setup_id         text PRIMARY KEY,
    ts               timestamptz NOT NULL,
    symbol           text        NOT NULL,
    side             text        NOT NULL,
    liq_usd          numeric,
    liq_count        integer,
    threshold_usd    numeric,
    volume_mult      double precision,
    spread_bps       double precision,
    impulse_move_pct double precision,
    stage            text        NOT NULL,
    stage_rank       smallint    NOT NULL,
    passed           boolean,
    reason           text,
    detail           text,
    measured         jsonb,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX market_events_ts_idx ON market_events (ts);
CREATE INDEX market_events_symbol_ts_idx ON market_events (symbol, ts);
CREATE INDEX market_events_reason_idx ON market_events (reason, ts);

CREATE TABLE bot_config (
    version    integer PRIMARY KEY,
    config     jsonb       NOT NULL,
    author     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    note       text        NOT NULL DEFAULT '',
    active     boolean     NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX bot_config_one_active ON bot_config (active) WHERE active;

CREATE TABLE logs (
    id             bigserial PRIMARY KEY,
    stream_id      text UNIQUE,
    ts             timestamptz NOT NULL,
    level          text        NOT NULL,
    level_no       smallint    NOT NULL,
    process        text        NOT NULL,
    message        text        NOT NULL,
    module         text        NOT NULL DEFAULT '',
    event_id       text,
    correlation_id text,
    exc_type       text,
    exc_message    text,
    stack          text
);
CREATE INDEX logs_ts_idx ON logs (ts);
CREATE INDEX logs_level_ts_idx ON logs (level_no, ts);

CREATE TABLE notifications (
    id        bigserial PRIMARY KEY,
    stream_id text UNIQUE,
    ts        timestamptz NOT NULL,
    kind      text        NOT NULL,
    channel   text        NOT NULL,
    status    text        NOT NULL,
    attempts  integer     NOT NULL,
    dedup_key text        NOT NULL,
    message   text        NOT NULL,
    detail    text        NOT NULL DEFAULT ''
);
CREATE INDEX notifications_ts_idx ON notifications (ts);

-- The API's record of every POST it has answered, by Idempotency-Key.
CREATE TABLE api_idempotency (
    key          text PRIMARY KEY,
    endpoint     text        NOT NULL,
    request_hash text        NOT NULL,
    status_code  integer     NOT NULL,
    response     jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
