-- CreateTable
CREATE TABLE "rate_counters" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "reset_at" BIGINT NOT NULL,

    CONSTRAINT "rate_counters_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "batch_windows" (
    "key" TEXT NOT NULL,
    "entries" TEXT NOT NULL,
    "item_count" INTEGER NOT NULL,
    "opened_at" BIGINT NOT NULL,
    "due_at" BIGINT NOT NULL,

    CONSTRAINT "batch_windows_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "rate_counters_reset_at_idx" ON "rate_counters"("reset_at");

-- CreateIndex
CREATE INDEX "batch_windows_due_at_idx" ON "batch_windows"("due_at");

