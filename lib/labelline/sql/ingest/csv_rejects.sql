-- name: ingest/csv_rejects
-- Lines DuckDB's CSV reader could not parse (wrong number of fields, bad encoding,
-- unterminated quotes, a value of the wrong type) become rejected records, one per line.
-- `line` counts the header, so the data record number is line - 1; the position keeps
-- the line for editors. Cast errors are reworded like the validation rules' messages.
with errors as (
    select
        line,
        column_idx,
        column_name,
        csv_line,
        case
            when error_type = 'CAST' then
                case
                    when error_message like '%''TIMESTAMP%' then 'not a timestamp: '
                    when error_message like '%''INTEGER''%' then 'not a whole number: '
                    else 'not a number: '
                end || '''' || left(regexp_extract(error_message, 'Could not convert string "(.*)" to', 1), 40) || ''''
            else lower(replace(error_type, '_', ' ')) || ': ' || split_part(error_message, chr(10), 1)
        end as reason
    from reject_errors
)

insert into rejected
select
    line - 1 as record,
    'line ' || line::varchar as position,
    string_agg(column_name, ', ' order by column_idx) as field,
    first(reason order by column_idx) as reason,
    first(csv_line) as raw
from errors
group by line
