SELECT
  "t2"."period_start",
  "t2"."_d_channel" AS "channel",
  "t2"."n",
  "t2"."mean",
  "t2"."std",
  "t2"."quantiles"
FROM (
  SELECT
    "t1"."period_start",
    "t1"."_d_channel",
    COUNT("t1"."wait_s") FILTER(WHERE
      "t1"."wait_s" IS NOT NULL) AS "n",
    AVG("t1"."wait_s") FILTER(WHERE
      "t1"."wait_s" IS NOT NULL) AS "mean",
    STDDEV_SAMP("t1"."wait_s") FILTER(WHERE
      "t1"."wait_s" IS NOT NULL) AS "std",
    QUANTILE_CONT("t1"."wait_s", [0.5, 0.9]) FILTER(WHERE
      "t1"."wait_s" IS NOT NULL) AS "quantiles"
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."wait_start",
      "t0"."reply_at",
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
      CAST(CAST(FLOOR(EPOCH(CAST("t0"."reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."wait_start" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "wait_s",
      "t0"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t0"."reply_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."reply_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM "_fact_waits" AS "t0"
    WHERE
      "t0"."reply_at" IS NOT NULL
      AND "t0"."reply_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t0"."reply_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t1"
  GROUP BY
    1,
    2
) AS "t2"
