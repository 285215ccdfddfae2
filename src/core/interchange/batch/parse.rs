//! cmd.exe's parser for one logical line (after `%` expansion): commands joined by `&`,
//! `&&`, `||` and `|`, parenthesised blocks (which may span lines), `if … [else …]`,
//! `for … do …`, `rem` and labels, `^` escapes and quotes. Redirections (`>nul`, `2>&1`,
//! `>>file`) are recognised and dropped: nothing is ever written. Pure.

/// How two commands are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `&`, or a new line inside a block.
    Then,
    /// `&&`: only when the first succeeded.
    And,
    /// `||`: only when the first failed.
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Nothing to run (a blank, a label, `rem`).
    Nothing,
    /// One command, escapes resolved, redirections removed.
    Simple(Simple),
    Block(Vec<Node>),
    Seq(Box<Node>, Op, Box<Node>),
    /// `left | right`: the left side runs, the right side (`findstr …`) is ignored.
    Pipe(Box<Node>, String),
    If(Box<If>),
    For(Box<For>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Simple {
    pub text: String,
    /// Lines of the logical line before this command (0 for the first).
    pub line: usize,
    /// Redirection targets dropped (`nul`, `file.txt`).
    pub redirects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `A==B` or `A EQU B` …, operands as written (quotes kept).
    Compare(String, String, String),
    Defined(String),
    Exist(String),
    Errorlevel(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub ignore_case: bool,
    pub not: bool,
    pub cond: Cond,
    pub then: Node,
    pub otherwise: Option<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct For {
    /// `""` (a list), `/l`, `/f`, `/d`, `/r`.
    pub switch: String,
    /// `/f "tokens=…"` options, quotes removed.
    pub options: String,
    pub var: char,
    /// The text between the parentheses of `in (…)`.
    pub set: String,
    /// The body as text: parsed again for each value.
    pub body: String,
    pub line: usize,
}

/// Why a line cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A `(` is still open at the end: the logical line goes on on the next line.
    Unclosed,
    /// cmd's "… was unexpected at this time": the message names the token.
    Syntax(String),
}

/// Parses a logical line.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut p = P {
        s: text.chars().collect(),
        i: 0,
    };
    let node = p.seq(0)?;
    p.ws();
    match p.peek() {
        None => Ok(node),
        Some(')') => Err(ParseError::Syntax(") was unexpected at this time".into())),
        Some(c) => Err(ParseError::Syntax(format!(
            "{c} was unexpected at this time"
        ))),
    }
}

struct P {
    s: Vec<char>,
    i: usize,
}

const OPS: &[char] = &['&', '|', '<', '>'];

impl P {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | ';' | ',' | '=')) {
            self.i += 1;
        }
    }

    fn blank(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn line_no(&self, at: usize) -> usize {
        self.s[..at.min(self.s.len())]
            .iter()
            .filter(|c| **c == '\n')
            .count()
    }

    fn skip_to_eol(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.i += 1;
        }
    }

    /// Commands separated by new lines (inside a block) and by `&`, `&&`, `||`.
    fn seq(&mut self, depth: usize) -> Result<Node, ParseError> {
        let mut items: Vec<Node> = Vec::new();
        loop {
            self.blank();
            match self.peek() {
                None => {
                    if depth > 0 {
                        return Err(ParseError::Unclosed);
                    }
                    break;
                }
                Some('\n') => {
                    self.i += 1;
                    continue;
                }
                Some(')') if depth > 0 => break,
                _ => {}
            }
            let start = self.i;
            let n = self.chain(depth)?;
            if self.i == start {
                // Nothing consumed: a stray character.
                let c = self.peek().unwrap_or(' ');
                return Err(ParseError::Syntax(format!(
                    "{c} was unexpected at this time"
                )));
            }
            items.push(n);
        }
        Ok(match items.len() {
            0 => Node::Nothing,
            1 => items.pop().unwrap_or(Node::Nothing),
            _ => Node::Block(items),
        })
    }

    /// Commands on one line joined by `&`, `&&`, `||`.
    fn chain(&mut self, depth: usize) -> Result<Node, ParseError> {
        let mut left = self.pipeline(depth)?;
        loop {
            self.blank();
            let op = match (self.peek(), self.at(1)) {
                (Some('&'), Some('&')) => {
                    self.i += 2;
                    Op::And
                }
                (Some('&'), _) => {
                    self.i += 1;
                    Op::Then
                }
                (Some('|'), Some('|')) => {
                    self.i += 2;
                    Op::Or
                }
                _ => break,
            };
            let right = self.pipeline(depth)?;
            left = Node::Seq(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn pipeline(&mut self, depth: usize) -> Result<Node, ParseError> {
        let left = self.command(depth)?;
        self.blank();
        if self.peek() == Some('|') && self.at(1) != Some('|') {
            self.i += 1;
            let start = self.i;
            let mut quoted = false;
            while let Some(c) = self.peek() {
                if c == '"' {
                    quoted = !quoted;
                } else if !quoted {
                    if c == '^' {
                        self.i += 2;
                        continue;
                    }
                    if c == '\n' || c == '&' || (c == ')' && depth > 0) {
                        break;
                    }
                    if c == '|' && self.at(1) == Some('|') {
                        break;
                    }
                }
                self.i += 1;
            }
            let right: String = self.s[start..self.i.min(self.s.len())].iter().collect();
            return Ok(Node::Pipe(Box::new(left), right.trim().to_string()));
        }
        Ok(left)
    }

    /// The first word of a command, lower-cased, without moving.
    fn word_ahead(&self) -> String {
        let mut w = String::new();
        let mut k = self.i;
        while let Some(c) = self.s.get(k) {
            if c.is_whitespace() || OPS.contains(c) || *c == '(' || *c == ')' {
                break;
            }
            w.push(c.to_ascii_lowercase());
            k += 1;
        }
        w
    }

    fn command(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.blank();
        while self.peek() == Some('@') {
            self.i += 1;
            self.blank();
        }
        match self.peek() {
            None | Some('\n') => return Ok(Node::Nothing),
            Some(')') if depth > 0 => return Ok(Node::Nothing),
            Some('(') => {
                self.i += 1;
                let inner = self.seq(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err(ParseError::Unclosed);
                }
                self.i += 1;
                self.skip_redirects();
                return Ok(match inner {
                    Node::Block(v) => Node::Block(v),
                    Node::Nothing => Node::Block(Vec::new()),
                    other => Node::Block(vec![other]),
                });
            }
            Some(':') => {
                self.skip_to_eol();
                return Ok(Node::Nothing);
            }
            _ => {}
        }
        let word = self.word_ahead();
        match word.as_str() {
            "rem" => {
                self.skip_to_eol();
                Ok(Node::Nothing)
            }
            "if" => self.parse_if(depth),
            "for" => self.parse_for(depth),
            _ => Ok(Node::Simple(self.simple(depth))),
        }
    }

    fn skip_redirects(&mut self) {
        loop {
            self.blank();
            match self.peek() {
                Some('>' | '<') => {
                    let mut sink = Vec::new();
                    self.redirect(&mut sink);
                }
                Some(d) if d.is_ascii_digit() && matches!(self.at(1), Some('>' | '<')) => {
                    self.i += 1;
                    let mut sink = Vec::new();
                    self.redirect(&mut sink);
                }
                _ => break,
            }
        }
    }

    /// At `>`/`<`: consumes the operator and its target.
    fn redirect(&mut self, targets: &mut Vec<String>) {
        self.i += 1;
        if self.peek() == Some('>') {
            self.i += 1;
        }
        if self.peek() == Some('&') && self.at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 2;
            return;
        }
        self.blank();
        let mut t = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted && (c.is_whitespace() || OPS.contains(&c) || c == ')') {
                break;
            }
            t.push(c);
            self.i += 1;
        }
        targets.push(t);
    }

    fn simple(&mut self, depth: usize) -> Simple {
        let line = self.line_no(self.i);
        let mut text = String::new();
        let mut redirects = Vec::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            if c == '"' {
                quoted = !quoted;
                text.push(c);
                self.i += 1;
                continue;
            }
            if quoted {
                text.push(c);
                self.i += 1;
                continue;
            }
            match c {
                '^' => {
                    if let Some(n) = self.at(1).filter(|n| *n != '\n') {
                        text.push(n);
                    }
                    self.i += 2;
                }
                '&' | '|' => break,
                ')' if depth > 0 => break,
                '>' | '<' => {
                    // A handle number written against the operator (`2>nul`, `1>&2`).
                    let handle = text.chars().last().filter(char::is_ascii_digit).is_some()
                        && text.chars().rev().nth(1).is_none_or(|p| p.is_whitespace());
                    if handle {
                        text.pop();
                    }
                    self.redirect(&mut redirects);
                }
                _ => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
        Simple {
            text: text.trim().to_string(),
            line,
            redirects,
        }
    }

    /// An `if` operand: a quoted string (with anything glued to it) or a word, ending at
    /// white space or `==`.
    fn operand(&mut self) -> String {
        let mut t = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted {
                if c.is_whitespace() || (c == '=' && self.at(1) == Some('=')) {
                    break;
                }
                if c == '^' {
                    if let Some(n) = self.at(1) {
                        t.push(n);
                    }
                    self.i += 2;
                    continue;
                }
                if OPS.contains(&c) || c == '(' || c == ')' {
                    break;
                }
            }
            t.push(c);
            self.i += 1;
        }
        t
    }

    fn keyword(&mut self, k: &str) -> bool {
        let w = self.word_ahead();
        if w == k {
            self.i += k.chars().count();
            true
        } else {
            false
        }
    }

    fn parse_if(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.i += 2;
        self.blank();
        let mut ignore_case = false;
        let mut not = false;
        if self.keyword("/i") {
            ignore_case = true;
            self.blank();
        }
        if self.keyword("not") {
            not = true;
            self.blank();
        }
        let cond = if self.keyword("defined") {
            self.blank();
            Cond::Defined(self.operand())
        } else if self.keyword("exist") {
            self.blank();
            Cond::Exist(self.operand())
        } else if self.keyword("errorlevel") {
            self.blank();
            Cond::Errorlevel(self.operand())
        } else {
            let a = self.operand();
            self.blank();
            let op = if self.peek() == Some('=') && self.at(1) == Some('=') {
                self.i += 2;
                "==".to_string()
            } else {
                let w = self.word_ahead();
                if ["equ", "neq", "lss", "leq", "gtr", "geq"].contains(&w.as_str()) {
                    self.i += 3;
                    w
                } else {
                    return Err(ParseError::Syntax(format!(
                        "{} was unexpected at this time",
                        if w.is_empty() { a.clone() } else { w }
                    )));
                }
            };
            self.blank();
            let b = self.operand();
            if a.is_empty() || b.is_empty() {
                let next = self.word_ahead();
                return Err(ParseError::Syntax(format!(
                    "{} was unexpected at this time",
                    if next.is_empty() { op.clone() } else { next }
                )));
            }
            Cond::Compare(a, op, b)
        };
        self.blank();
        if matches!(self.peek(), None | Some('\n')) {
            return Err(ParseError::Syntax(
                "the syntax of the command is incorrect (if without a command)".into(),
            ));
        }
        let then = if self.peek() == Some('(') {
            self.command(depth)?
        } else {
            self.chain(depth)?
        };
        self.blank();
        let otherwise = if self.keyword("else") {
            self.blank();
            Some(self.chain(depth)?)
        } else {
            None
        };
        Ok(Node::If(Box::new(If {
            ignore_case,
            not,
            cond,
            then,
            otherwise,
        })))
    }

    fn parse_for(&mut self, depth: usize) -> Result<Node, ParseError> {
        let line = self.line_no(self.i);
        self.i += 3;
        self.blank();
        let mut switch = String::new();
        let mut options = String::new();
        if self.peek() == Some('/') {
            switch = self.word_ahead();
            self.i += switch.chars().count();
            self.blank();
            if switch == "/f" && self.peek() == Some('"') {
                self.i += 1;
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == '"' {
                        break;
                    }
                    options.push(c);
                }
                self.blank();
            } else if switch == "/r" && self.peek() != Some('%') {
                let _root = self.operand();
                self.blank();
            }
        }
        if self.peek() != Some('%') {
            return Err(ParseError::Syntax(format!(
                "{} was unexpected at this time",
                self.word_ahead()
            )));
        }
        let var = self
            .at(1)
            .ok_or(ParseError::Syntax("% was unexpected at this time".into()))?;
        self.i += 2;
        self.blank();
        if !self.keyword("in") {
            return Err(ParseError::Syntax(format!(
                "{} was unexpected at this time",
                self.word_ahead()
            )));
        }
        self.blank();
        if self.peek() != Some('(') {
            return Err(ParseError::Syntax(format!(
                "{} was unexpected at this time",
                self.word_ahead()
            )));
        }
        self.i += 1;
        let start = self.i;
        let mut quote: Option<char> = None;
        loop {
            match self.peek() {
                None => return Err(ParseError::Unclosed),
                Some(c) if quote == Some(c) => quote = None,
                Some(c @ ('"' | '\'' | '`')) if quote.is_none() => quote = Some(c),
                Some(')') if quote.is_none() => break,
                _ => {}
            }
            self.i += 1;
        }
        let set: String = self.s[start..self.i].iter().collect();
        self.i += 1;
        self.blank();
        if !self.keyword("do") {
            return Err(ParseError::Syntax(format!(
                "{} was unexpected at this time",
                self.word_ahead()
            )));
        }
        self.blank();
        let body_start = self.i;
        if self.peek() == Some('(') {
            self.command(depth)?;
        } else {
            self.chain(depth)?;
        }
        let body: String = self.s[body_start..self.i].iter().collect();
        Ok(Node::For(Box::new(For {
            switch,
            options,
            var,
            set: set.replace('\n', " "),
            body,
            line,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(text: &str) -> Node {
        Node::Simple(Simple {
            text: text.into(),
            line: 0,
            redirects: Vec::new(),
        })
    }

    #[test]
    fn operators_and_redirections() {
        let n = parse("netsh ipsec static show all >nul 2>&1 && echo ok").expect("parses");
        let Node::Seq(l, Op::And, r) = n else {
            panic!("not a seq: {n:?}")
        };
        let Node::Simple(s) = *l else { panic!() };
        assert_eq!(s.text, "netsh ipsec static show all");
        assert_eq!(s.redirects, vec!["nul".to_string()]);
        assert_eq!(*r, simple("echo ok"));
        let n =
            parse("netsh ipsec static show policy name=X | findstr \"X\" > nul").expect("parses");
        assert!(matches!(n, Node::Pipe(_, ref right) if right == "findstr \"X\" > nul"));
        assert_eq!(parse("echo a^&b").expect("parses"), simple("echo a&b"));
        assert_eq!(parse("rem x & y").expect("parses"), Node::Nothing);
    }

    #[test]
    fn blocks_span_lines_and_if_else() {
        assert_eq!(parse("if 1==1 (\necho a"), Err(ParseError::Unclosed));
        let n = parse("if /i \"%x%\"==\"A\" (\necho a\n) else (\necho b\n)").expect("parses");
        let Node::If(i) = n else { panic!() };
        assert!(i.ignore_case);
        assert_eq!(
            i.cond,
            Cond::Compare("\"%x%\"".into(), "==".into(), "\"A\"".into())
        );
        assert!(i.otherwise.is_some());
        // Without parentheses the whole chain belongs to the if.
        let n = parse("if a==b echo x & exit").expect("parses");
        let Node::If(i) = n else { panic!() };
        assert!(matches!(i.then, Node::Seq(..)));
        assert!(matches!(
            parse("if ==5 goto bye"),
            Err(ParseError::Syntax(_))
        ));
    }

    #[test]
    fn for_loops_keep_their_body_as_text() {
        let n = parse("for %p in (135 139 445) do netsh ipsec static add filter port=%p")
            .expect("parses");
        let Node::For(f) = n else { panic!() };
        assert_eq!((f.var, f.set.as_str()), ('p', "135 139 445"));
        assert_eq!(f.body, "netsh ipsec static add filter port=%p");
        let n = parse("for /f \"tokens=1,2 delims=,\" %a in (\"x,y\") do echo %a").expect("ok");
        let Node::For(f) = n else { panic!() };
        assert_eq!(
            (f.switch.as_str(), f.options.as_str()),
            ("/f", "tokens=1,2 delims=,")
        );
    }
}
