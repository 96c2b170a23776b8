-- CreateTable
CREATE TABLE "visit_rollups" (
    "gallery_id" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "country" TEXT NOT NULL DEFAULT '',
    "value" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gallery_id", "dimension", "country", "value"),
    CONSTRAINT "visit_rollups_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "visit_quarter_hours" (
    "gallery_id" TEXT NOT NULL,
    "quarter" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gallery_id", "quarter"),
    CONSTRAINT "visit_quarter_hours_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "gallery_visitors" (
    "gallery_id" TEXT NOT NULL,
    "visitor_key" TEXT NOT NULL,

    PRIMARY KEY ("gallery_id", "visitor_key"),
    CONSTRAINT "gallery_visitors_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);


-- Backfill (written by hand): the stats now read these tables instead of the visits, so fill them
-- from the visits already stored. `at` is ISO-8601 text as Prisma writes it, or epoch milliseconds.
-- Daily counts first: raised (never lowered) to the stored visits, as retention does before pruning,
-- because the stats now take every total from them.
INSERT INTO "visit_daily" ("gallery_id", "day", "kind", "count")
SELECT "gallery_id", date("quarter" * 900, 'unixepoch'), "kind", COUNT(*) FROM (
    SELECT "gallery_id", "kind",
           CASE typeof("at") WHEN 'integer' THEN "at" / 900000 ELSE CAST(strftime('%s', "at") AS INTEGER) / 900 END AS "quarter"
    FROM "visits"
) WHERE true
GROUP BY "gallery_id", date("quarter" * 900, 'unixepoch'), "kind"
ON CONFLICT ("gallery_id", "day", "kind") DO UPDATE SET "count" = excluded."count" WHERE "visit_daily"."count" < excluded."count";

INSERT INTO "visit_quarter_hours" ("gallery_id", "quarter", "count")
SELECT "gallery_id", "quarter", COUNT(*) FROM (
    SELECT "gallery_id",
           CASE typeof("at") WHEN 'integer' THEN "at" / 900000 ELSE CAST(strftime('%s', "at") AS INTEGER) / 900 END AS "quarter"
    FROM "visits" WHERE "kind" = 'human'
) GROUP BY "gallery_id", "quarter";

INSERT INTO "visit_rollups" ("gallery_id", "dimension", "country", "value", "count")
SELECT "gallery_id", 'country', '', COALESCE("country", ''), COUNT(*) FROM "visits" WHERE "kind" = 'human'
GROUP BY "gallery_id", COALESCE("country", '')
UNION ALL
SELECT "gallery_id", 'region', COALESCE("country", ''), "region", COUNT(*) FROM "visits" WHERE "kind" = 'human' AND "region" <> ''
GROUP BY "gallery_id", COALESCE("country", ''), "region"
UNION ALL
SELECT "gallery_id", 'city', COALESCE("country", ''), "city", COUNT(*) FROM "visits" WHERE "kind" = 'human' AND "city" <> ''
GROUP BY "gallery_id", COALESCE("country", ''), "city"
UNION ALL
SELECT "gallery_id", 'device', '', COALESCE("device_type", ''), COUNT(*) FROM "visits" WHERE "kind" = 'human'
GROUP BY "gallery_id", COALESCE("device_type", '')
UNION ALL
SELECT "gallery_id", 'browser', '', COALESCE("browser", ''), COUNT(*) FROM "visits" WHERE "kind" = 'human'
GROUP BY "gallery_id", COALESCE("browser", '')
UNION ALL
SELECT "gallery_id", 'os', '', COALESCE("os", ''), COUNT(*) FROM "visits" WHERE "kind" = 'human'
GROUP BY "gallery_id", COALESCE("os", '')
UNION ALL
SELECT "gallery_id", 'referrer', '', COALESCE("referrer_host", ''), COUNT(*) FROM "visits" WHERE "kind" = 'human'
GROUP BY "gallery_id", COALESCE("referrer_host", '')
UNION ALL
SELECT "gallery_id", 'preview', '', COALESCE("preview_platform", ''), COUNT(*) FROM "visits" WHERE "kind" = 'preview'
GROUP BY "gallery_id", COALESCE("preview_platform", '')
UNION ALL
SELECT "gallery_id", 'image', '', "image_id", COUNT(*) FROM "image_views"
GROUP BY "gallery_id", "image_id";

INSERT INTO "gallery_visitors" ("gallery_id", "visitor_key")
SELECT DISTINCT "gallery_id", "visitor_key" FROM "visits" WHERE "kind" = 'human' AND "visitor_key" IS NOT NULL;
