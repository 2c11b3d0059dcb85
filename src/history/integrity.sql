-- The integrity chain over runs (docs/integrity.md). Each run stores the hash of its canonical content chained to
-- the previous run of the same workspace:
--   content_hash = sha256(previous_hash || '\n' || run_canonical(run_id))
-- where run_canonical lists every stored fact the run stands for (the run row, its coverage, every entity of every
-- view as of the run, its findings, the events it first stored, and the roster it read with its people), each as the sha256 of its JSON line, in a fixed
-- order. Hashing line by line keeps memory flat for large workspaces. Editing or deleting any fact changes the
-- recomputed hash of every run it belongs to; deleting a run breaks the link from the next one.
-- `ptolemy-audit verify` recomputes the chain.

CREATE OR REPLACE MACRO run_canonical(target_run) AS (
  WITH lines AS (
    SELECT 0 AS part, '' AS k,
           to_json({'run_id': run_id, 'source': source, 'workspace_id': workspace_id, 'workspace_slug': workspace_slug,
                    'workspace_name': workspace_name, 'workspace_selector': workspace_selector,
                    'started_at': started_at, 'finished_at': finished_at, 'status': status, 'error': error,
                    'api_calls': api_calls, 'rate_limit_remaining': rate_limit_remaining,
                    'tool_version': tool_version})::VARCHAR AS line
    FROM run_log WHERE run_id = target_run
    UNION ALL SELECT 1, collection, to_json(c)::VARCHAR FROM run_collections c WHERE run_id = target_run
    UNION ALL SELECT 2, id, to_json(x)::VARCHAR FROM workspaces x WHERE run_id = target_run
    UNION ALL SELECT 3, id, to_json(x)::VARCHAR FROM members x WHERE run_id = target_run
    UNION ALL SELECT 4, id, to_json(x)::VARCHAR FROM robots x WHERE run_id = target_run
    UNION ALL SELECT 5, id, to_json(x)::VARCHAR FROM robot_tokens x WHERE run_id = target_run
    UNION ALL SELECT 6, id, to_json(x)::VARCHAR FROM invitations x WHERE run_id = target_run
    UNION ALL SELECT 7, id, to_json(x)::VARCHAR FROM webhooks x WHERE run_id = target_run
    UNION ALL SELECT 8, dimension, to_json(x)::VARCHAR FROM plan_usage x WHERE run_id = target_run
    UNION ALL SELECT 9, id, to_json(x)::VARCHAR FROM events x WHERE run_id = target_run
    UNION ALL SELECT 10, rule_id || '|' || entity_type || '|' || entity_id, to_json(x)::VARCHAR
      FROM findings x WHERE run_id = target_run
    -- Parts added later have no rows for the runs stored before them, so those runs' hashes are unchanged.
    UNION ALL SELECT 11, '', to_json(x)::VARCHAR FROM rosters x WHERE run_id = target_run
    UNION ALL SELECT 12, id, to_json(x)::VARCHAR FROM people x WHERE run_id = target_run
  )
  SELECT coalesce(string_agg(h, chr(10) ORDER BY part, k, h), '')
  FROM (SELECT part, k, sha256(line) AS h FROM lines)
);

-- The chain a run belongs to: its workspace, or what it was asked to audit when it failed before knowing it.
CREATE OR REPLACE MACRO chain_key(source, workspace_id, workspace_selector) AS
  source || '|' || coalesce(workspace_id, 'selector:' || coalesce(workspace_selector, ''));

CREATE OR REPLACE MACRO run_hash(previous_hash, target_run) AS
  sha256(coalesce(previous_hash, '') || chr(10) || run_canonical(target_run));

-- Every run with what its hash should be: the stored link to the previous run, the hash of that run, and the hash
-- recomputed from the data stored now.
CREATE OR REPLACE VIEW run_integrity AS
-- (The macro's argument is a qualified column: a bare `run_id` would be captured by the subqueries' own run_id.)
SELECT checked.run_id, checked.source, checked.workspace_id,
       chain_key(checked.source, checked.workspace_id, checked.workspace_selector) AS chain,
       checked.previous_hash,
       lag(checked.content_hash) OVER (
         PARTITION BY chain_key(checked.source, checked.workspace_id, checked.workspace_selector)
         ORDER BY checked.run_id) AS expected_previous_hash,
       checked.content_hash,
       run_hash(checked.previous_hash, checked.run_id) AS recomputed_hash
FROM run_log AS checked;
