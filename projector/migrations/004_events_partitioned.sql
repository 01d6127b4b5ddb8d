-- The audit log split by retention tier (projector/families.py), market data by UTC day, so that pruning
-- drops a day's partition instead of deleting rows (issue 20).
--
--   events                   LIST (tier)
--   ├── events_kept          'kept'   decisions and money, liquidations, closed klines, WARNING+ logs,
--   │                                 undecoded entries, one heartbeat an hour: kept for good, fully indexed
--   ├── events_window        'window' book tickers, forming klines, INFO logs, heartbeats: RANGE (day),
--   │   └── events_window_YYYYMMDD    one partition a day, made by the projector, dropped by the prune;
--   │                                 a row is stream, stream_id, ts_ms and raw (the rest is in raw): no
--   │                                 jsonb copy, no seq; the unique key and a BRIN index on ts_ms
--   └── events_legacy        'legacy' the table as it was before this migration, when it held rows
--
-- `day` is the UTC day of the stream id's milliseconds, so an entry always lands in the same partition and
-- redelivery stays idempotent (ON CONFLICT on each partition's unique key, besides the tracking record).
-- A database with history keeps it: the old table is attached as it is, without a rewrite (two columns
-- with constant defaults are catalogue changes; the CHECK is validated by one read under a lock that lets
-- readers and writers go on). The prune moves its kept rows out and drops it once the window has passed it.

ALTER TABLE events RENAME TO events_legacy;
ALTER TABLE events_legacy ADD COLUMN tier text NOT NULL DEFAULT 'legacy';
ALTER TABLE events_legacy ADD COLUMN day date;

CREATE TABLE events (
    seq            bigint      DEFAULT nextval('events_seq_seq'),  -- NULL in the window tier
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
    raw            text        NOT NULL,
    decoded        boolean     NOT NULL,
    skip_reason    text,
    projected_at   timestamptz DEFAULT now(),  -- NULL in the window tier
    tier           text        NOT NULL,
    day            date
) PARTITION BY LIST (tier);
ALTER SEQUENCE events_seq_seq OWNED BY events.seq;

CREATE TABLE events_kept PARTITION OF events FOR VALUES IN ('kept');
ALTER TABLE events_kept ADD PRIMARY KEY (seq);
ALTER TABLE events_kept ADD UNIQUE (stream, stream_id);
CREATE INDEX events_kept_ts_idx ON events_kept (ts);
CREATE INDEX events_kept_type_ts_idx ON events_kept (type, ts);
CREATE INDEX events_kept_id_idx ON events_kept (id);
CREATE INDEX events_kept_correlation_idx ON events_kept (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_kept_undecoded_idx ON events_kept (seq) WHERE NOT decoded;

CREATE TABLE events_window PARTITION OF events FOR VALUES IN ('window') PARTITION BY RANGE (day);
-- stream id first: ids grow with time, so inserts land at the right edge and pages stay full
ALTER TABLE events_window ADD UNIQUE (stream_id, stream, day);  -- `day` follows from stream_id
CREATE INDEX events_window_ts_ms_idx ON events_window USING brin (ts_ms);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM events_legacy LIMIT 1) THEN
        ALTER TABLE events_legacy ADD CONSTRAINT events_legacy_tier CHECK (tier = 'legacy') NOT VALID;
        ALTER TABLE events_legacy VALIDATE CONSTRAINT events_legacy_tier;
        ALTER TABLE events ATTACH PARTITION events_legacy FOR VALUES IN ('legacy');
    ELSE
        DROP TABLE events_legacy;
    END IF;
END $$;

-- Every prune: a window day dropped (or the legacy table, under its newest day), what it held, and how many
-- heartbeats it kept. A replay from the database refuses to read before the newest day here.
CREATE TABLE event_prunes (
    day             date        NOT NULL,
    relation        text        NOT NULL,
    rows            bigint      NOT NULL,
    bytes           bigint      NOT NULL,
    heartbeats_kept integer     NOT NULL,
    pruned_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, relation)
);

-- How far the prune has moved the legacy table's kept rows (it does so in many small transactions).
CREATE TABLE prune_progress (
    relation text   PRIMARY KEY,
    next_seq bigint NOT NULL
);
