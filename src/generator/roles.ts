import { given } from "../present.js";
/** Where a role sits in a generated pipeline: read first, analyse (in parallel), combine, then deliver. */
export type Phase = "ingest" | "analyze" | "synthesize" | "output";

export const PHASES: readonly Phase[] = ["ingest", "analyze", "synthesize", "output"];

/** An agent the template planner can place: what it answers to in a description, and what it needs. */
export interface Role {
  id: string;
  phase: Phase;
  keywords: RegExp;
  description: string;
  /** What it is told to do, after "You are <id>". */
  instructions: string;
  /** Tool types it uses when the registry has them. */
  tools: readonly string[];
  /** Roles whose words, inside this role's, mean this role instead ("open tickets" is a writer, not a feedback reader). */
  over?: readonly string[];
}

const role = (id: string, phase: Phase, keywords: RegExp, description: string, instructions: string, tools: readonly string[] = [], over?: readonly string[]): Role => ({ id, phase, keywords, description, instructions, tools, ...given({ over }) });

/** In priority order within each phase: the first roles win when a complexity level has too little room. */
export const ROLES: readonly Role[] = [
  role("code_analyzer", "ingest", /\b(code|codebase|repo(sitor(y|ies))?|source files?|pull requests?|commits?|functions?)\b/i, "Reads and maps the code base", "Explore the code base with your tools and report its structure and the parts relevant to the task.", ["codebase_indexer"]),
  role("document_processor", "ingest", /\b(documents?|pdfs?|files?|contracts?|articles?|papers?|manuals?|invoices?|resumes?|cvs?|notes|transcripts?|texts?)\b/i, "Reads and parses documents", "Read the documents named in the input with your tools and return their relevant content.", ["filesystem"]),
  role("data_loader", "ingest", /\b(csv|datasets?|data|spreadsheets?|excel|sales|metrics|logs?|records|tables?|database|inventory)\b/i, "Loads and cleans the data", "Load the data named in the input with your tools, describe its shape and clean obvious problems.", ["filesystem"]),
  role("feedback_collector", "ingest", /\b(feedback|reviews?|surveys?|tickets?|comments?|emails?|complaints?|support requests?)\b/i, "Gathers the feedback to work on", "Collect the feedback items from the input, one per line, without losing any.", ["filesystem"]),
  role("web_fetcher", "ingest", /\b(fetch|download|scrape|crawl|monitor)\b|\bhttps?:\/\/(?![^\s]*\/mcp\b)/i, "Fetches the pages the task names", "Fetch the URLs named in the workflow's goal with your http tool and return what they say.", ["http"]),
  role("web_researcher", "ingest", /\b(research|web|news|websites?|market|competitors?|sources)\b/i, "Researches the topic", "Research the topic of the input and list the facts that matter, with where each came from."),
  role("information_extractor", "analyze", /\b(extract(s|ing|ion)?|key (information|data|points|facts)|entities|fields|parse)\b/i, "Extracts key data points", "Extract the key facts, entities and figures from the input as a structured list."),
  role("incident_analyzer", "analyze", /\b(errors?|exceptions?|failures?|failing|incidents?|stack ?traces?|crash(es)?|outages?|root causes?)\b/i, "Finds errors and incidents and their causes", "Find every error, failure or incident in the input, group the repeats, and give each its likely cause."),
  role("security_analyzer", "analyze", /\b(secur(e|ity)|vulnerab(le|ility|ilities)|threats?|exploits?|cve|compliance|gdpr|hipaa|privacy|pii)\b/i, "Scans for vulnerabilities and compliance issues", "Find security vulnerabilities and compliance problems in the input; rate each by severity.", ["codebase_indexer"]),
  role("performance_analyzer", "analyze", /\b(performance|bottlenecks?|latency|slow|optimi[sz](e|ation)|efficien(t|cy)|resource usage)\b/i, "Identifies bottlenecks", "Find performance bottlenecks and inefficiencies in the input and suggest fixes.", ["codebase_indexer"]),
  role("sentiment_analyzer", "analyze", /\b(sentiment|emotions?|tone|satisfaction|mood)\b/i, "Scores sentiment", "Classify the sentiment of each item in the input and summarise the overall mood."),
  role("classifier", "analyze", /\b(classif(y|ies|ication)|categori[sz](e|ation)|categor(y|ies)|priorit(y|ies)|tag(s|ging)?|triage|prioriti[sz]e|route|labels?)\b/i, "Classifies and prioritises items", "Put every item of the input into a category and give it a priority."),
  role("data_analyst", "analyze", /\b(analy[sz](e|es|is|ing)|insights?|trends?|statistics?|patterns?|forecast(s|ing)?|kpis?|compar(e|es|ing|ison)|evaluat(e|es|ion)|performance dashboard|crunch|numbers|averages?|calculate|compute)\b/i, "Finds trends and insights", "Analyse the input and report trends, patterns and notable figures, with numbers."),
  role("quality_reviewer", "analyze", /\b(quality|lint|bugs?|code review|best practices|style|smells?)\b|\breview\w*\s+(?:the\s+|these\s+|our\s+|my\s+)?(?:code|changes|pull requests?|diffs?|commits?|prs?|patch(?:es)?)\b/i, "Reviews quality", "Review the input for quality problems and bugs; list each with a concrete fix.", ["codebase_indexer"]),
  role("translator", "analyze", /\b(translat(e|ion)|languages?|locali[sz](e|ation))\b/i, "Translates content", "Translate the input faithfully into the requested language, keeping its structure."),
  role("fact_checker", "analyze", /\b(validat(e|ion)|verif(y|ication)|fact[- ]check|accura(te|cy)|consisten(t|cy))\b/i, "Checks facts and consistency", "Check the claims in the input for accuracy and consistency; flag anything doubtful."),
  role("summarizer", "synthesize", /\b(summar(y|ies|ise|ize|ising|izing)|digest|brief|tl;?dr|condense|overview)\b/i, "Creates comprehensive summaries", "Write a clear, complete summary of the input."),
  role("insight_synthesizer", "synthesize", /\b(action items?|recommendations?|recommend|next steps|plan|strateg(y|ies)|decisions?)\b/i, "Turns findings into recommendations", "Combine the findings in the input into prioritised recommendations and action items."),
  role("report_generator", "output", /\b(reports?|dashboards?|documentation|presentations?|write-?ups?|readme|newsletter|slides?)\b/i, "Creates the final report", "Write the final report from the input in Markdown, with headings and a short conclusion.", ["filesystem"]),
  role("ticket_writer", "output", /\b(open|file|create|raise|submit)\s+(?:(?:a|an|the|new|some|jira|github|one)\s+)*(tickets?|issues?|bug reports?)\b/i, "Writes the tickets to open", "Write one ticket per problem in the input: a title, what happens, where, and what to do about it.", [], ["feedback_collector", "classifier"]),
  role("reply_writer", "output", /\b(repl(y|ies)|respond|answers? to|draft (a |an )?(responses?|answers?))\b/i, "Drafts the replies", "Draft a reply to each message in the input: polite, specific, and ready to send."),
  role("notifier", "output", /\b(notif(y|ication)|alerts?|slack|messages? the team|announce)\b/i, "Writes the notification", "Write a short notification message announcing the result in the input."),
];

/** Roles used to fill a pipeline when a description names fewer than the complexity level asks for, in order of use. */
export const FILLER_ROLES: readonly Role[] = [
  role("task_analyst", "analyze", /$^/, "Works out what the task needs", "Work out what the task in the input requires and do it, step by step."),
  role("summarizer", "synthesize", /$^/, "Creates comprehensive summaries", "Write a clear, complete summary of the input."),
  role("reviewer", "analyze", /$^/, "Reviews the work so far", "Review the input for errors and gaps and correct them."),
  role("report_generator", "output", /$^/, "Creates the final report", "Write the final report from the input in Markdown, with headings and a short conclusion.", ["filesystem"]),
  role("planner", "ingest", /$^/, "Plans the work", "Break the task in the input into clear steps and state what each needs."),
  role("fact_checker", "analyze", /$^/, "Checks facts and consistency", "Check the claims in the input for accuracy and consistency; flag anything doubtful."),
  role("editor", "synthesize", /$^/, "Edits for clarity", "Edit the input for clarity and concision without losing information."),
  role("quality_reviewer", "analyze", /$^/, "Reviews quality", "Review the input for quality problems; list each with a concrete fix."),
];

/** A role a description asks for, with the words that ask for it. */
export interface DetectedRole {
  role: Role;
  words: string;
}

function matches(keywords: RegExp, description: string): { at: number; end: number; words: string }[] {
  return [...description.matchAll(new RegExp(keywords.source, `${keywords.flags.replace("g", "")}g`))].map((m) => ({ at: m.index, end: m.index + m[0].length, words: m[0] }));
}

/**
 * Roles a description asks for, each once, in pipeline order (phase, then where the description mentions it). A word
 * that is the object of an ask counts for the ask only: in "open tickets" the tickets are written, not read.
 */
export function detectRolesWithWords(description: string): DetectedRole[] {
  const found = ROLES.map((r) => ({ r, hits: matches(r.keywords, description) })).filter((f) => f.hits.length > 0);
  const kept = found.flatMap(({ r, hits }) => {
    const spans = found.filter((o) => o.r.over?.includes(r.id)).flatMap((o) => o.hits);
    const free = hits.filter((h) => !spans.some((s) => h.at >= s.at && h.end <= s.end));
    return free.length === 0 ? [] : [{ r, at: free[0]!.at, words: free[0]!.words }];
  });
  return kept.sort((a, b) => PHASES.indexOf(a.r.phase) - PHASES.indexOf(b.r.phase) || a.at - b.at).map((f) => ({ role: f.r, words: f.words }));
}

export function detectRoles(description: string): Role[] {
  return detectRolesWithWords(description).map((d) => d.role);
}
