-- Dead letters' raw bytes are stored with secrets redacted (src/store/rows.ts, rejectedRow), unless
-- ZTNA_DEAD_LETTER_EXACT_BYTES asks for them exactly; raw_sha256 is the SHA-256 (hex) of the exact
-- bytes either way, so a row can be matched to its record on the dead-letter topic, and
-- sha256(raw) = raw_sha256 says the row holds the bytes exactly. raw_size stays the exact size.
ALTER TABLE rejected_events ADD COLUMN IF NOT EXISTS raw_sha256 String CODEC(ZSTD(1)) AFTER raw_size;
