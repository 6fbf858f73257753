-- name: calibrate/arrivals
-- Items entering the line by hour of the week (UTC; 0 = Monday 00:00-01:00): hour_of_week,
-- items (count over the whole period). The caller divides by the number of weeks observed.
select (isodow(created_at) - 1) * 24 + hour(created_at) as hour_of_week, count(*) as items
from items_in()
where in_range(created_at)
group by all
order by hour_of_week
