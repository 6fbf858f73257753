-- name: ingest/csv_record_numbers
-- DuckDB numbers only the rows it could parse; shift each good row's record number past
-- the rejected rows before it, so every message names the row as it is in the file.
-- A rejected row i (in file order) has g = record - i good rows before it; good row k
-- comes after every rejected row with g < k.
with gaps as (
    select record - row_number() over (order by record) as good_before
    from rejected
    where record is not null
)

update checked
set _record = checked._record + (select count(*) from gaps where gaps.good_before < checked._record)
where exists (select 1 from gaps)
