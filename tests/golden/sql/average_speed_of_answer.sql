SELECT
  *
FROM (
  SELECT
    "t2"."period_start",
    COUNT("t2"."wait_s") FILTER(WHERE
      "t2"."answered" AND (
        "t2"."wait_s" IS NOT NULL
      )) AS "n",
    AVG("t2"."wait_s") FILTER(WHERE
      "t2"."answered" AND (
        "t2"."wait_s" IS NOT NULL
      )) AS "mean",
    STDDEV_SAMP("t2"."wait_s") FILTER(WHERE
      "t2"."answered" AND (
        "t2"."wait_s" IS NOT NULL
      )) AS "std",
    QUANTILE_CONT("t2"."wait_s", [0.5, 0.9]) FILTER(WHERE
      "t2"."answered" AND (
        "t2"."wait_s" IS NOT NULL
      )) AS "quantiles"
  FROM (
    SELECT
      "t1"."call_id",
      "t1"."offered_at",
      "t1"."answered_at",
      "t1"."queue",
      "t1"."topic",
      "t1"."agent_id",
      "t1"."customer_id",
      "t1"."satisfaction",
      "t1"."abandoned",
      "t1"."answered",
      "t1"."wait_s",
      "t1"."handle_s",
      "t1"."resolved",
      "t1"."abandoned" AND COALESCE("t1"."wait_s" < 5.0, FALSE) AS "short_abandon",
      "t1"."answered" AND COALESCE("t1"."wait_s" <= 20.0, FALSE) AS "within_target",
      "t1"."satisfaction" >= 4.0 AS "sat_top2",
      CAST(DATE_TRUNC(
        'MONTH',
        "t1"."offered_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t1"."offered_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t0"."call_id",
        "t0"."offered_at",
        "t0"."answered_at",
        "t0"."queue",
        "t0"."topic",
        "t0"."agent_id",
        "t0"."customer_id",
        "t0"."satisfaction",
        COALESCE(
          "t0"."abandoned",
          NOT (
            (
              "t0"."answered_at" IS NOT NULL
            )
            OR (
              COALESCE("t0"."talk_seconds", 0) > 0
            )
          )
        ) AS "abandoned",
        NOT (
          COALESCE(
            "t0"."abandoned",
            NOT (
              (
                "t0"."answered_at" IS NOT NULL
              )
              OR (
                COALESCE("t0"."talk_seconds", 0) > 0
              )
            )
          )
        ) AS "answered",
        COALESCE(
          "t0"."wait_seconds",
          CASE
            WHEN COALESCE(
              "t0"."abandoned",
              NOT (
                (
                  "t0"."answered_at" IS NOT NULL
                )
                OR (
                  COALESCE("t0"."talk_seconds", 0) > 0
                )
              )
            )
            THEN CAST(CAST(FLOOR(EPOCH(CAST("t0"."ended_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."offered_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
            ELSE CAST(CAST(FLOOR(EPOCH(CAST("t0"."answered_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."offered_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
          END
        ) AS "wait_s",
        CASE
          WHEN (
            "t0"."talk_seconds" IS NOT NULL
          )
          OR (
            "t0"."hold_seconds" IS NOT NULL
          )
          OR (
            "t0"."wrap_seconds" IS NOT NULL
          )
          THEN COALESCE("t0"."talk_seconds", 0.0) + COALESCE("t0"."hold_seconds", 0.0) + COALESCE("t0"."wrap_seconds", 0.0)
          ELSE CAST(NULL AS DOUBLE)
        END AS "handle_s",
        "t0"."resolved"
      FROM "calls" AS "t0"
    ) AS "t1"
    WHERE
      "t1"."offered_at" IS NOT NULL
      AND "t1"."offered_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t1"."offered_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t2"
  GROUP BY
    1
) AS "t3"
