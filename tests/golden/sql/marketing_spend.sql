SELECT
  "t7"."period_start",
  "t7"."n",
  "t7"."total"
FROM (
  SELECT
    "t6"."period_index",
    "t6"."period_start",
    COUNT(*) AS "n",
    SUM("t6"."part") AS "total"
  FROM (
    SELECT
      "t5"."s0",
      "t5"."s1",
      "t5"."amount",
      "t5"."_d_acquisition_channel",
      "t5"."period_index",
      "t5"."period_start",
      "t5"."p_start",
      "t5"."p_end",
      "t5"."l_start",
      "t5"."l_end",
      (
        "t5"."amount" * CAST(EPOCH(CAST(LEAST("t5"."s1", "t5"."l_end") AS TIMESTAMP)) - EPOCH(CAST(GREATEST("t5"."s0", "t5"."l_start") AS TIMESTAMP)) AS DOUBLE)
      ) / CAST(EPOCH(CAST("t5"."s1" AS TIMESTAMP)) - EPOCH(CAST("t5"."s0" AS TIMESTAMP)) AS DOUBLE) AS "part"
    FROM (
      SELECT
        "t4"."s0",
        "t4"."s1",
        "t4"."amount",
        "t4"."_d_acquisition_channel",
        "t2"."period_index",
        "t2"."period_start",
        "t2"."p_start",
        "t2"."p_end",
        "t2"."l_start",
        "t2"."l_end"
      FROM (
        SELECT
          DATE_TRUNC(
            'DAY',
            "t0"."period_start" + TO_SECONDS(
              CAST(CASE
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
                THEN 10800
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
                THEN 10800
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_start" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
                THEN 10800
                ELSE 7200
              END AS BIGINT)
            )
          ) AS "s0",
          DATE_TRUNC(
            'DAY',
            "t0"."period_end" + TO_SECONDS(
              CAST(CASE
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
                THEN 10800
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
                THEN 10800
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
                THEN 7200
                WHEN "t0"."period_end" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
                THEN 10800
                ELSE 7200
              END AS BIGINT)
            )
          ) + INTERVAL '1' DAY AS "s1",
          "t0"."amount",
          "t0"."channel" AS "_d_acquisition_channel"
        FROM "marketing_spend" AS "t0"
      ) AS "t4"
      INNER JOIN "memtable_0" AS "t2"
        ON "t4"."s0" < "t2"."l_end" AND "t4"."s1" > "t2"."l_start"
    ) AS "t5"
  ) AS "t6"
  GROUP BY
    1,
    2
) AS "t7"
