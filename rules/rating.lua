-- The skill-rating policy: how dm.rating turns a diver's Dive Statistics into ratings.
-- Plain data; change the numbers freely, keep the names. The defaults reproduce the
-- Adrenaline app exactly, so ratings stay comparable with the ones the app computes.
-- What each knob does, with worked examples: docs/rating.md.
return {
  -- A chosen dive adds avg_score * DD * (times_weight_base - 1 / times), where times is how
  -- often the diver performed it: 1 time -> 0.01, 2 -> 0.51, 10 -> 0.91, 100 -> 1.0.
  -- A larger base favours dives performed rarely. App: 1.01.
  times_weight_base = 1.01,

  -- Which event a statistics row belongs to, by its height in metres:
  -- height <= event_1m_max_height_m -> 1 m springboard; <= event_3m_max_height_m -> 3 m
  -- springboard; above -> platform. App: 1 and 3.
  event_1m_max_height_m = 1,
  event_3m_max_height_m = 3,

  -- The app counts the best dive of the front, back, reverse, inward and twist groups plus a
  -- sixth dive; the best armstand (6xx) dive itself is NOT counted (only an armstand dive that
  -- is its group's second-best can be the sixth). true counts it like the other groups.
  -- App: false.
  count_armstand_best = false,

  -- The dive table (code -> DD per height), relative to the dmhost root folder.
  dive_table_path = "rules/dive_table.tsv",
}
