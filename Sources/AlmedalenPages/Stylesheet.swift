extension Pages {
  /// The one stylesheet, served at /static/site.css (no inline styles: the CSP forbids them).
  public static let stylesheet: [UInt8] = Array(Stylesheet.css.utf8)
}

/// The site's CSS: mobile first, one column on phones, a wider layout from 48em; system fonts.
///
/// Contrast (WCAG 2 ratios, all at least AA's 4.5:1 for text and 3:1 for controls):
/// - text #1a1a1a on #ffffff 17.4:1, on the page's #f5f3ef 15.7:1
/// - links #0b4f8a on #ffffff 8.4:1, on #f5f3ef 7.6:1
/// - secondary text #4a4a4a on #ffffff 8.9:1, on #f5f3ef 8.0:1
/// - header: #ffffff on #123a5c 11.8:1
/// - INSTÄLLT badge and buttons: #ffffff on #a4121c 7.8:1, #ffffff on #0b4f8a 8.4:1
/// - cancelled notice and field problems: #a4121c on #fdecea 6.9:1
/// - confirmation: #1d5c2e on #eaf4ec 7.1:1
/// - field borders #595959 on #ffffff 7.0:1
/// - focus ring: #ffbf47 against #123a5c 7.2:1, with an outer #1a1a1a ring against the light
///   page 15.7:1, so it shows on either background.
enum Stylesheet {
  static let css = """
    *, *::before, *::after { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
    body {
      margin: 0;
      background: #f5f3ef;
      color: #1a1a1a;
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        "Noto Sans", sans-serif;
      font-size: 1rem;
      line-height: 1.5;
    }
    a { color: #0b4f8a; text-decoration-thickness: 0.08em; text-underline-offset: 0.15em; }
    a:hover { text-decoration-thickness: 0.15em; }
    :focus-visible {
      outline: 3px solid #ffbf47;
      outline-offset: 0;
      box-shadow: 0 0 0 6px #1a1a1a;
    }
    main:focus { outline: none; }
    .wrap { width: 100%; max-width: 72rem; margin: 0 auto; padding: 0 1rem; }

    .skip {
      position: absolute;
      left: -10000px;
      top: 0;
      background: #ffffff;
      color: #0b4f8a;
      padding: 0.5rem 1rem;
      z-index: 10;
    }
    .skip:focus { left: 1rem; top: 1rem; }

    header.site { background: #123a5c; color: #ffffff; padding: 0.75rem 0; }
    header.site .wrap { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; }
    header.site a { color: #ffffff; }
    .brand { font-size: 1.375rem; font-weight: 700; text-decoration: none; }
    nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0 1rem; }

    main { display: block; padding-top: 1rem; padding-bottom: 2rem; }
    h1 { font-size: 1.75rem; line-height: 1.2; margin: 0.5rem 0 0.75rem; overflow-wrap: anywhere; }
    h2 { font-size: 1.375rem; line-height: 1.25; margin: 2rem 0 0.75rem; }
    h3 { font-size: 1.125rem; line-height: 1.3; margin: 1.25rem 0 0.5rem; overflow-wrap: anywhere; }
    p, li, dd { overflow-wrap: anywhere; }

    .count, .subtitle, .when, .back { color: #4a4a4a; }
    .count { margin-top: 0; }
    .empty { font-size: 1.125rem; padding: 1rem; background: #ffffff; border-left: 4px solid #595959; }

    .filters {
      background: #ffffff;
      border: 1px solid #d6d1c7;
      padding: 1rem;
      margin: 1rem 0;
    }
    .fields { display: grid; grid-template-columns: 1fr; gap: 0.75rem; }
    .field label, legend { display: block; font-weight: 600; margin-bottom: 0.25rem; }
    select, input[type="text"], input[type="email"], input[type="search"] {
      width: 100%;
      font: inherit;
      color: #1a1a1a;
      background: #ffffff;
      border: 2px solid #595959;
      border-radius: 0.25rem;
      padding: 0.5rem;
      min-height: 2.75rem;
    }
    fieldset { border: 1px solid #d6d1c7; margin: 1rem 0 0; padding: 0.5rem 1rem 0.75rem; }
    .checks .check { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; }
    .checks input[type="checkbox"] { width: 1.5rem; height: 1.5rem; margin: 0; accent-color: #0b4f8a; }
    .checks label { margin: 0; font-weight: 400; }
    .actions { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; margin-top: 1rem; }
    button {
      font: inherit;
      font-weight: 600;
      color: #ffffff;
      background: #0b4f8a;
      border: 2px solid #0b4f8a;
      border-radius: 0.25rem;
      padding: 0.5rem 1.25rem;
      min-height: 2.75rem;
      cursor: pointer;
    }
    button:hover { background: #123a5c; border-color: #123a5c; }
    .cancel-form button { background: #a4121c; border-color: #a4121c; }

    .subscribe { background: #ffffff; border: 1px solid #d6d1c7; padding: 0 1rem 1rem; margin: 1.5rem 0; }
    .subscribe h2 { margin-top: 1rem; }
    .feeds { padding-left: 1.25rem; }
    .feeds li { margin: 0.25rem 0; }

    .day > h2 { border-bottom: 2px solid #123a5c; padding-bottom: 0.25rem; }
    .seminars { list-style: none; margin: 0; padding: 0; }
    .seminar {
      background: #ffffff;
      border: 1px solid #d6d1c7;
      border-left: 4px solid #0b4f8a;
      padding: 0.75rem 1rem;
      margin: 0 0 0.75rem;
    }
    .seminar h3 { margin: 0 0 0.25rem; }
    .seminar .when { margin: 0 0 0.5rem; font-variant-numeric: tabular-nums; font-weight: 600; }
    .seminar.cancelled { border-left-color: #a4121c; }
    .seminar.cancelled h3 a { text-decoration-line: underline line-through; }

    .facts { margin: 0; }
    .facts dt { font-weight: 600; }
    .facts dd { margin: 0 0 0.5rem; }
    .seminar .facts { display: grid; grid-template-columns: auto 1fr; gap: 0 0.75rem; }
    .seminar .facts dt { color: #4a4a4a; font-weight: 400; }
    .seminar .facts dd { margin: 0; }

    .marks { list-style: none; margin: 0.5rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.375rem; }
    .marks li {
      border: 1px solid #595959;
      border-radius: 1rem;
      padding: 0 0.625rem;
      font-size: 0.9375rem;
      background: #ffffff;
    }
    .badge {
      display: inline-block;
      background: #a4121c;
      color: #ffffff;
      font-size: 0.875rem;
      font-weight: 700;
      letter-spacing: 0.03em;
      padding: 0.0625rem 0.5rem;
      border-radius: 0.25rem;
      vertical-align: 0.1em;
    }
    .notice { padding: 0.75rem 1rem; border-left: 4px solid #123a5c; background: #ffffff; }
    .notice.cancelled { background: #fdecea; color: #a4121c; border-left-color: #a4121c; font-size: 1.125rem; }
    .notice.outcome { background: #eaf4ec; color: #1d5c2e; border-left-color: #1d5c2e; font-size: 1.25rem; font-weight: 600; }

    .event > .facts, .signup, .links, .description, .people, .own-links {
      background: #ffffff;
      border: 1px solid #d6d1c7;
      padding: 1rem;
      margin: 1rem 0;
    }
    .signup h2, .links h2, .description h2, .people h2, .own-links h2 { margin-top: 0; }
    .participants { padding-left: 1.25rem; }
    .seats { font-size: 1.25rem; font-weight: 600; }
    .signup-form .field, .links-form .field { margin: 0 0 1rem; max-width: 30rem; }
    .field.invalid input { border-color: #a4121c; border-width: 3px; }
    .problem { color: #a4121c; font-weight: 600; margin: 0 0 0.25rem; }
    .error-summary { border: 3px solid #a4121c; padding: 0 1rem; margin: 0 0 1rem; background: #fdecea; }
    .error-summary h3 { color: #a4121c; }
    .error-summary a { color: #a4121c; font-weight: 600; }
    .hint { color: #4a4a4a; max-width: 40rem; }
    .secret { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-wrap: anywhere; }

    footer.site { border-top: 1px solid #d6d1c7; background: #ffffff; padding: 1rem 0 2rem; color: #4a4a4a; }
    footer.site ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }

    /* ---- Backoffice (organisers and the programme office) ----
       Contrast: warnings #1a1a1a on #fff4d6 16.0:1, their border #8a5a00 on #fff4d6 5.6:1;
       secondary buttons #0b4f8a on #ffffff 8.4:1; removed values #a4121c on #ffffff 7.6:1. */
    h2, legend, label, .bo-user { overflow-wrap: anywhere; }
    textarea, input[type="date"], input[type="time"], input[type="number"], input[type="url"],
    input[type="password"] {
      width: 100%;
      font: inherit;
      color: #1a1a1a;
      background: #ffffff;
      border: 2px solid #595959;
      border-radius: 0.25rem;
      padding: 0.5rem;
      min-height: 2.75rem;
    }
    textarea { resize: vertical; }
    .field.invalid select, .field.invalid textarea { border-color: #a4121c; border-width: 3px; }
    .checks.invalid { border-color: #a4121c; border-width: 3px; }
    .check { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; }
    .check input { width: 1.5rem; height: 1.5rem; margin: 0; flex: none; accent-color: #0b4f8a; }
    .check label { margin: 0; font-weight: 400; }
    .bo-nav { background: #ffffff; border: 1px solid #d6d1c7; padding: 0.5rem 1rem; margin: 0.5rem 0 1rem; }
    .bo-nav .bo-user { margin: 0 0 0.25rem; color: #4a4a4a; }
    .bo-nav ul { gap: 0.25rem 1.25rem; align-items: center; }
    .bo-nav form { margin: 0; }
    .link-button {
      background: none;
      border: none;
      color: #0b4f8a;
      padding: 0;
      min-height: 2.75rem;
      font-weight: 400;
      text-decoration: underline;
    }
    .link-button:hover { background: none; color: #123a5c; }
    a.button {
      display: inline-block;
      font-weight: 600;
      color: #ffffff;
      background: #0b4f8a;
      border: 2px solid #0b4f8a;
      border-radius: 0.25rem;
      padding: 0.5rem 1.25rem;
      text-decoration: none;
    }
    a.button:hover { background: #123a5c; border-color: #123a5c; }
    button.secondary { background: #ffffff; color: #0b4f8a; }
    button.secondary:hover { background: #eef3f8; color: #123a5c; }
    .danger button, button.danger { background: #a4121c; border-color: #a4121c; }
    .bo-list { list-style: none; margin: 0; padding: 0; }
    .bo-item, .bo-box, .bo-overwrite, .bo-secret {
      background: #ffffff;
      border: 1px solid #d6d1c7;
      padding: 0.75rem 1rem;
      margin: 0 0 0.75rem;
    }
    .bo-box h2, .bo-overwrite h2, .bo-secret h2 { margin-top: 0.25rem; }
    .bo-item h3, .bo-item h2.bo-change { margin: 0 0 0.5rem; font-size: 1.125rem; }
    .bo-facts { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0 0.75rem; }
    .bo-facts dt { color: #4a4a4a; font-weight: 400; }
    .bo-facts dd { margin: 0; }
    .bo-links { list-style: none; padding: 0; margin: 0.5rem 0 0; display: flex; flex-wrap: wrap; gap: 0 1.25rem; }
    .bo-links li { min-height: 2.75rem; display: flex; align-items: center; }
    .bo-warnings { background: #fff4d6; border-left: 4px solid #8a5a00; padding: 0.25rem 1rem; margin: 0.5rem 0; }
    .bo-warnings ul { padding-left: 1.25rem; margin: 0 0 0.5rem; }
    .bo-clash { background: #fdecea; border-left-color: #a4121c; }
    .bo-returned { background: #fff4d6; border-left-color: #8a5a00; }
    .bo-returned p { margin: 0.25rem 0; }
    .bo-overwrite { border: 3px solid #8a5a00; background: #fff4d6; }
    .bo-secret { border: 3px solid #1d5c2e; background: #eaf4ec; }
    .bo-changes { padding-left: 1.25rem; }
    .bo-changes del { color: #a4121c; }
    .bo-changes ins { text-decoration-thickness: 0.08em; }
    .bo-people { padding-left: 1.5rem; }
    .bo-people li { margin: 0.25rem 0; }
    .bo-form .field { margin: 0 0 1rem; max-width: 40rem; }
    .bo-form .checks { max-width: 40rem; margin-bottom: 1rem; }
    .bo-panel, .bo-person { border: 1px solid #d6d1c7; margin: 0 0 1rem; padding: 0.5rem 1rem 0.75rem; min-width: 0; }
    .bo-pair { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0 1rem; max-width: 40rem; }
    .bo-search { max-width: 40rem; margin: 0 0 1rem; }
    .bo-search .field { margin-bottom: 0.5rem; }
    .bo-first { margin-top: 0; }
    .bo-inline { display: inline-block; margin: 0.25rem 0; }
    .bo-review { display: grid; gap: 1rem; margin-top: 0.75rem; }
    fieldset { min-width: 0; }
    .error-summary h2 { color: #a4121c; font-size: 1.125rem; margin: 0.75rem 0 0.5rem; }
    @media (min-width: 36em) {
      .bo-pair { grid-template-columns: repeat(2, minmax(0, 1fr)); }
    }

    @media (min-width: 48em) {
      .wrap { padding: 0 2rem; }
      h1 { font-size: 2.25rem; }
      .fields { grid-template-columns: repeat(3, minmax(0, 1fr)); }
      .checks { display: flex; flex-wrap: wrap; gap: 0 1.5rem; }
      .checks legend { width: 100%; }
      .seminar {
        display: grid;
        grid-template-columns: 8.5rem 1fr;
        grid-template-areas: "when title" "when facts" "when marks";
        column-gap: 1rem;
      }
      .seminar h3 { grid-area: title; }
      .seminar .when { grid-area: when; }
      .seminar .facts { grid-area: facts; }
      .seminar .marks { grid-area: marks; }
      .event > .facts { display: grid; grid-template-columns: 10rem 1fr; gap: 0.25rem 1rem; }
      .event > .facts dd { margin: 0; }
      .event > .facts dd + dd { grid-column: 2; }
    }

    @media print {
      header.site nav, .filters, .skip, .signup-form, .links-form, .cancel-form, footer.site,
        .bo-nav, .bo-inline { display: none; }
      body, .seminar, .subscribe { background: #ffffff; }
      a { color: #1a1a1a; }
    }

    """
}
