-- name: ingest/candidate_workers
-- Distinct worker ids of good, human events: the ones pseudonymisation looks at
-- (a model's name is not a person's).
select distinct worker_id
from checked
where _reason is null and tier <> 'model'
