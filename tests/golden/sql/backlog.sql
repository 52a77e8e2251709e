SELECT
  "t2"."period_start",
  "t2"."_d_channel" AS "channel",
  "t2"."delta"
FROM (
  SELECT
    "t1"."period_start",
    "t1"."_d_channel",
    SUM("t1"."delta") AS "delta"
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."instant",
      "t0"."delta",
      "t0"."channel",
      "t0"."category",
      "t0"."priority",
      "t0"."team",
      "t0"."agent_id",
      "t0"."brand",
      "t0"."product",
      "t0"."language",
      "t0"."customer_id",
      "t0"."status",
      "t0"."created_by",
      "t0"."channel" AS "_d_channel",
      CASE
        WHEN "t0"."instant" < MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
        THEN MAKE_DATE(2024, 1, 1)
        ELSE CAST(DATE_TRUNC(
          'MONTH',
          "t0"."instant" + TO_SECONDS(
            CAST(CASE
              WHEN "t0"."instant" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
              THEN 7200
              WHEN "t0"."instant" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
              THEN 10800
              WHEN "t0"."instant" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
              THEN 7200
              WHEN "t0"."instant" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
              THEN 10800
              WHEN "t0"."instant" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
              THEN 7200
              WHEN "t0"."instant" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
              THEN 10800
              ELSE 7200
            END AS BIGINT)
          )
        ) AS DATE)
      END AS "period_start"
    FROM "_fact_events" AS "t0"
    WHERE
      "t0"."instant" IS NOT NULL
      AND "t0"."instant" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
  ) AS "t1"
  GROUP BY
    1,
    2
) AS "t2"
