import type { ReactNode } from "react";

interface Props {
  title: string;
  aside?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}

export function Card({ title, aside, children, className, testId }: Props) {
  return (
    <section className={`card ${className ?? ""}`} aria-label={title} data-testid={testId}>
      <header className="card-head">
        <h2>{title}</h2>
        {aside ? <div className="card-aside">{aside}</div> : null}
      </header>
      {children}
    </section>
  );
}
