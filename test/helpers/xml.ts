/**
 * A minimal XML reader for tests: enough to prove a document is well-formed (one root, tags
 * nested and closed, attributes quoted, only the five predefined entities and character
 * references, no raw < or & in text) and to read elements back. Not a general XML parser.
 */

/** One element with its attributes (entities decoded), children and text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  // Every & must start a known entity; a bare < is never allowed in text or attributes.
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`bare & in ${where}: ${raw}`);
  if (raw.includes('<')) throw new Error(`bare < in ${where}: ${raw}`);
  return raw.replace(ENTITY, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) =>
    named ? NAMED[named] : String.fromCodePoint(dec ? Number(dec) : parseInt(hex ?? '0', 16)),
  );
}

function parseAttrs(src: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = new RegExp(`\\s+(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'y');
  let at = 0;
  while (at < src.length) {
    re.lastIndex = at;
    const m = re.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(at))) break;
      throw new Error(`bad attribute syntax in <${tag}>: ${src.slice(at)}`);
    }
    if (m[1] in attrs) throw new Error(`duplicate attribute ${m[1]} in <${tag}>`);
    attrs[m[1]] = decode(m[2] ?? m[3] ?? '', `attribute ${m[1]} of <${tag}>`);
    at = re.lastIndex;
  }
  return attrs;
}

/** Parses `xml`; throws naming the first thing that is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const bad = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)?.toString(16)} is not allowed in XML 1.0`);
  let s = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`);
  while (s.length > 0) {
    const lt = s.indexOf('<');
    const text = lt < 0 ? s : s.slice(0, lt);
    if (text !== '') {
      if (stack.length === 1 && text.trim() !== '') throw new Error(`text outside the root element: ${text}`);
      stack[stack.length - 1].text += decode(text, `<${stack[stack.length - 1].name}>`);
    }
    if (lt < 0) break;
    s = s.slice(lt);
    const m = tag.exec(s);
    if (!m) throw new Error(`malformed tag at: ${s.slice(0, 60)}`);
    const [whole, close, name, attrSrc, selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
    } else {
      const el: XmlElement = { name, attrs: parseAttrs(attrSrc, name), children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent === root && root.children.length > 0) throw new Error('more than one root element');
      parent.children.push(el);
      if (!selfClose) stack.push(el);
    }
    s = s.slice(whole.length);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0];
}

/** Every descendant element named `name`, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
