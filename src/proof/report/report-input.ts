/** What a report is made of: a readout, and optionally a value review and a Qini curve. */

import type { Readout } from "../readout/readout.ts";
import type { ValueReview } from "../value/value-review.ts";
import type { QiniCurve } from "./qini-input.ts";

export interface ReportInput {
  readonly title: string;
  /** The data's file name, shown in the report (no folder, which may say whose machine). */
  readonly source: string;
  readonly readout: Readout;
  readonly value?: ValueReview;
  /** From the uplift evaluation; `outcome` names what the curve counts (visit, spend). */
  readonly qini?: QiniCurve & { readonly outcome?: string };
}
