-- name: ingest/csv_rejects
-- Lines DuckDB's CSV reader could not parse (wrong number of fields, bad encoding,
-- unterminated quotes) become rejected records, one per line. `line` counts the header,
-- so the data record number is line - 1; the position keeps the line for editors.
insert into rejected
select
    line - 1 as record,
    'line ' || line::varchar as position,
    string_agg(column_name, ', ' order by column_idx) as field,
    lower(first(error_type order by column_idx)) || ': '
        || split_part(first(error_message order by column_idx), chr(10), 1) as reason,
    first(csv_line) as raw
from reject_errors
group by line
