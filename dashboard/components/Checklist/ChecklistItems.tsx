import { Badge } from "@/components/ui/Badge";
import type { CheckItem } from "@/lib/api/types";
import { CHECK_WORD } from "@/lib/status";

export function ChecklistItems({ items }: { items: ReadonlyArray<CheckItem> }) {
  return (
    <ul className="checklist" data-testid="checklist">
      {items.map((item) => (
        <li key={item.key} data-testid={`check-${item.key}`} data-status={item.status}>
          <Badge tone={item.status}>{CHECK_WORD[item.status]}</Badge>
          <span className="title">{item.title}</span>
          <span className="evidence">{item.evidence}</span>
        </li>
      ))}
    </ul>
  );
}
