-- The people directory (docs/roster.md): the roster file each run read and its people, versioned like the entities
-- of the API (a row per distinct state, valid_from / valid_to run ids), so a daily roster grows the file with change.

-- One row per run (id 'roster'): which file, the SHA-256 of its bytes, its format and how many people it held.
CREATE TABLE roster_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  file_name VARCHAR, sha256 VARCHAR, format VARCHAR, "rows" BIGINT,
  raw VARCHAR
);

-- A person per roster row: id is the primary address lower-cased (`#2` for a later row with the same address).
CREATE TABLE people_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  email VARCHAR, name VARCHAR,
  status VARCHAR,                            -- active | pending | suspended | deprovisioned | terminated
  status_raw VARCHAR,                        -- the status as the export wrote it
  terminated_on VARCHAR,                     -- YYYY-MM-DD (the people view exposes it as a DATE)
  manager VARCHAR, department VARCHAR, aliases VARCHAR[],
  raw VARCHAR                                -- the row as read: header to cell
);
