-- rules/eligibility.lua: who is in the target group (divers of high-school age).
--
-- A diver is eligible when their FINA age is inside fina_age (both ends included).
-- Otherwise, they are eligible when their high-school graduation year is inside the window
-- that grad_year_window computes from the run date (so a FINA-age-19 senior is kept).
-- A profile with neither field is not eligible.
--
-- Change the numbers freely; keep the shape. Worked examples, which must keep passing (or be
-- changed on purpose), are in tests/lua/rules_eligibility_spec.lua. See rules/README.md.
return {
  -- FINA age (the age a diver turns in the competition year), both ends included.
  fina_age = { min = 14, max = 18 },

  hs_grad_year = {
    -- The month a school year starts (8 = August). From this month on, the seniors are the
    -- class that graduates next calendar year; before it, the class of this calendar year.
    school_year_start_month = 8,
    -- How many graduating classes the window holds, the seniors' included. 5, as the original
    -- fixed window 2024-2028 had for a run in November 2023.
    classes = 5,
  },

  -- The graduation years still in school on the run date: returns first, last (both
  -- included). run_year and run_month come from the run date (yyyy-MM-dd, New York time);
  -- hs is the hs_grad_year table above.
  --   run on 2023-11-30 -> 2024, 2028      run on 2026-12-02 -> 2027, 2031
  --   run on 2026-06-15 -> 2026, 2030 (the class of 2026 is still seniors until August)
  grad_year_window = function(run_year, run_month, hs)
    local first = run_year
    if run_month >= hs.school_year_start_month then
      first = run_year + 1
    end
    return first, first + hs.classes - 1
  end,
}
